import WebSocket from 'ws';
const ws = new WebSocket('ws://127.0.0.1:5347/ws?token=tttttttttttttttttttt', { headers: { origin: 'http://127.0.0.1:5347' } });
ws.on('open', () => {
  const now = Date.now();
  ws.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:history:series', request: { series: [{ thing: 'thermo', property: 'setpoint' }, { thing: 'thermo', property: 'temperature' }], from: new Date(now - 600000).toISOString(), to: new Date(now).toISOString(), maxPoints: 500 } }));
  ws.send(JSON.stringify({ type: 'call', id: 2, channel: 'lab:history:series', request: { series: [{ thing: 'thermo', property: 'setpoint' }], from: new Date(now - 86400000).toISOString(), to: new Date(now - 600000).toISOString(), maxPoints: 1 } }));
});
ws.on('message', (data) => {
  const frame = JSON.parse(String(data));
  if (frame.type !== 'result') return;
  const v = frame.result.value;
  if (!v) { console.log(frame.id, JSON.stringify(frame.result)); return; }
  for (const s of v.series) console.log(frame.id, s.property, s.decimated, s.bucketMs, s.t.length, JSON.stringify(s.last.slice(0, 5)), JSON.stringify(s.count.slice(0,5)));
  console.log(frame.id, 'gaps', JSON.stringify(v.gaps));
  if (frame.id === 1) ws.close();
});
