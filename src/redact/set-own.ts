/**
 * Sets an own property, also for the key `__proto__` (which JSON.parse creates as an ordinary
 * key, but which plain assignment would treat as the prototype, leaving the old value in place).
 */
export function setOwn(target: object, key: string | number, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (target as Record<string | number, unknown>)[key] = value;
  }
}
