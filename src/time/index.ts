export type { Clock, TimerHandle } from './clock.js';
export { RealClock, realClock, sleepOn } from './real-clock.js';
export { VirtualClock } from './virtual-clock.js';
export { Prng } from './prng.js';
