export * from './api.js';
export * from './dto/endpoint.dto.js';
export * from './dto/validate.js';
export * from './endpoint.js';
export * from './errors.js';
export * from './names.js';
export * from './status.js';
export * from './topology.js';
