'use strict';
// Every object the stand-in hands to the app is wrapped so that reading a member it does not
// implement throws, naming it: the stand-in never hides a call the real Electron would answer.

/** Names that JavaScript machinery probes on any object (await, JSON, inspection, interop). */
const PROBES = new Set(['then', 'toJSON', 'inspect', '__esModule', 'nodeType', 'asymmetricMatch', '$$typeof', '@@__IMMUTABLE_ITERABLE__@@', 'toPostMessage']);

class NotImplementedError extends Error {
  constructor(api) {
    super(`Electron stand-in: ${api} is not implemented (tests/electron-stand-in). Implement it there or keep the app from calling it.`);
    this.name = 'NotImplementedError';
  }
}

/** Wraps `target` (an object or a class) so that unknown members throw NotImplementedError. */
function strict(target, name) {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (typeof property === 'symbol' || property in object || PROBES.has(property)) return Reflect.get(object, property, receiver);
      throw new NotImplementedError(`${name}.${property}`);
    },
  });
}

/** A function that throws NotImplementedError when called (for members Electron has but the stand-in refuses). */
function unimplemented(api) {
  return () => {
    throw new NotImplementedError(api);
  };
}

module.exports = { strict, unimplemented, NotImplementedError };
