/** A short two-tone beep through WebAudio; silent where audio is unavailable or not yet allowed. */
let context: AudioContext | undefined;

export function beep(severity: 'minor' | 'major' | 'invalid'): void {
  try {
    const Ctor = globalThis.AudioContext;
    if (Ctor === undefined) return;
    context ??= new Ctor();
    const audio = context;
    if (audio.state === 'suspended') void audio.resume();
    const start = audio.currentTime;
    const tones = severity === 'minor' ? [660] : [880, 660];
    tones.forEach((frequency, index) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      const at = start + index * 0.2;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.2);
    });
  } catch {
    // No audio device, or the page may not play sound yet: the annunciator still shows it.
  }
}

/** Lets the page play sound later: browsers allow audio only after a user gesture. */
export function unlockAudio(): void {
  try {
    const Ctor = globalThis.AudioContext;
    if (Ctor === undefined) return;
    context ??= new Ctor();
    if (context.state === 'suspended') void context.resume();
  } catch {
    // See beep().
  }
}
