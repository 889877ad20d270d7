// Transitional re-export: the error type now lives in the model at the bottom of the graph.
export * from './model/errors';
