import { afterAll } from 'vitest';
import { stopTestRedises } from './server';

// The integration-redis project's setup file, run in each file: a Redis kept for a data dir the file
// chose (a restart on it) ends with the file, not with the worker.
afterAll(stopTestRedises);
