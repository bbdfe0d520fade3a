export { formatError } from './cli/formatError';
export { COMMAND_HELP, mainHelp } from './cli/help';
export type { CliIo } from './cli/io';
export { main, ZOO_VERSION } from './cli/main';
export { COMMANDS, type CommandName, type ParsedCommand, parseCommand } from './cli/parseCommand';
export { UsageError } from './cli/usageError';
export { formatDuration } from './progress/formatDuration';
export { type BoardStream, ProgressBoard } from './progress/progressBoard';
export { htmlReport } from './report/htmlReport';
export { formatAp, formatDelta, tablesToMarkdown, tablesToText } from './report/renderTables';
export { type ResultRow, type ResultTable, resultTables } from './report/resultTables';
export type { SuiteReport } from './report/suiteReport';
export { buildSuiteReport, writeSuiteReport } from './report/writeSuiteReport';
export { evaluateDetector } from './run/evaluateDetector';
export type { MachineInfo } from './run/machineInfo';
export { type TrunkRecord, type TrunkRef, trunkLabel } from './run/pretrainedTrunks';
export { runSuite } from './run/runSuite';
export { runVariant } from './run/runVariant';
export { StopSignal } from './run/stopSignal';
export type {
  CocoStats,
  DatasetInfo,
  EvaluationSummary,
  VariantJob,
  VariantOutcome,
  VariantProgress,
  VariantResult,
} from './run/types';
export {
  calibrateFromResults,
  estimatePretrainSeconds,
  estimateSuiteSeconds,
  REFERENCE_SPEED,
} from './suites/estimateTime';
export { findSuite, findVariant, SUITES } from './suites/suites';
export type { Budget, Metric, PaperRow, SuiteSpec, TableSpec, VariantSpec } from './suites/types';
