// Estimators shared by the profiler, the generator's online validation and `wflg compare`.
export { DDSketch, type DDSketchJson } from './ddsketch.js';
export { ksTwoSample, ksOneSample, ksSketches, kolmogorovQ, type KsResult } from './ks.js';
export { jensenShannon, jensenShannonCounts, jensenShannonSketches } from './divergence.js';
export {
  GRID,
  cdfOfQuantiles,
  decodeSketch,
  encodeSketch,
  quantilesOf,
  quantilesOfList,
  segmentOf,
} from './quantiles.js';
export { HyperLogLog, Cardinality, key53 } from './cardinality.js';
export { MisraGries, type FrequentItem } from './heavy.js';
export {
  BucketCounts,
  smoothCounts,
  gaussianSmooth,
  mape,
  periodicShape,
  BASE_BUCKET_MS,
  type CurveState,
  type PeriodicShape,
  type SmoothedCurve,
} from './intensity.js';
export { indexOfDispersion, autocorrelation, Moments, PooledLag1 } from './dispersion.js';
export {
  fitHawkes,
  logLikelihood,
  simulateHawkes,
  simulateNhpp,
  timeRescalingKs,
  rescaledIntervals,
  piecewiseBaseline,
  FLAT,
  MAX_BRANCHING,
  type Baseline,
  type HawkesFit,
  type HawkesParams,
  type Segment,
} from './hawkes.js';
export { Rng, hashString32 } from '../rng.js';
export { nelderMead } from './optimize.js';
