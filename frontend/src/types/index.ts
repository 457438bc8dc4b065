// Friendly names for the generated API types. Every shape here comes from openapi.json
// through `npm run gen:api`; nothing is written by hand.
import type { components, paths } from './api.gen';

export type { components, paths };

type Schemas = components['schemas'];

export type Model = Schemas['Model'];
export type ModelStatus = Schemas['ModelStatus'];
export type ModelSource = Schemas['ModelSource'];
export type Quantization = Schemas['Quantization'];
export type ErrorStage = Schemas['ErrorStage'];
export type ErrorBody = Schemas['ErrorBody'];
export type ErrorCode = Schemas['ErrorCode'];
export type Preview = Schemas['Preview'];
export type PreviewBody = Schemas['PreviewBody'];
export type SizeEstimate = Schemas['SizeEstimate'];
export type EstimatedSizes = Schemas['EstimatedSizes'];
export type CreateModelBody = Schemas['CreateModelBody'];
export type LoadBody = Schemas['LoadBody'];
export type GpuStatus = Schemas['GpuStatus'];
export type DeviceMemory = Schemas['DeviceMemory'];
export type WorkerRef = Schemas['WorkerRef'];
export type Health = Schemas['Health'];
export type DownloaderView = Schemas['DownloaderView'];

// Socket.IO `/progress` payloads.
export type DownloadProgress = Schemas['DownloadProgress'];
export type ModelEvent = Schemas['ModelEvent'];
export type ModelError = Schemas['ModelError'];
export type ModelOnly = Schemas['ModelOnly'];
export type LoadProgress = Schemas['LoadProgress'];
export type LoadStage = Schemas['LoadStage'];
export type LoadComplete = Schemas['LoadComplete'];

export const QUANTIZATIONS: readonly Quantization[] = ['Q4', 'Q8', 'FP16'];
