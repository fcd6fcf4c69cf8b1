export * from './checks.js';
export * from './facts.js';
export * from './preflight.js';
