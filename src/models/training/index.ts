export { train, type TrainOptions, type TrainResult } from './train.js';
export { reproduce, type Reproduction } from './reproduce.js';
export { writeTrainingInput, type TrainingManifest } from './training-input.js';
export { copyWithDigest, rowsDigest, type RowsDigest } from './rows-digest.js';
export { codeVersion, type CodeVersion } from './code-version.js';
export { TRAINING_TAGS } from './training-tags.js';
export { modelDataset, trainingSetDataset, pinnedDatasets } from './job-datasets.js';
export { recordedTraining, type RecordedTraining } from './recorded-training.js';
export { withTrainingTracking, type TrainingTracking, type TrainingTrackingStarter } from './training-tracking.js';
