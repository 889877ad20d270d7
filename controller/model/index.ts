/**
 * The model: the plain values every module speaks, at the bottom of the dependency graph. It
 * imports nothing from the rest of cairn.
 */
export * from './change';
export * from './failure';
export * from './errors';
export * from './pipeline';
export * from './audit-reader';
export * from './log';
export * from './secret-mask';
export * from './aws-target';
export * from './git-names';
export * from './private-folder';
export * from './fence-gate';
export * from './fenced-write';
export * from './isolated-job';
export * from './shared-job-folder';
export * from './regular-file';
