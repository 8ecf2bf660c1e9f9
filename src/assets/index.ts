/** Files: llama.cpp control-vector GGUFs, and the steering asset that carries a whole controller. */
export {
  controlVectorToBuffer,
  exportControlVector,
  importControlVector,
  type ControlVectorConvention,
  type ExportControlVectorOptions,
  type ImportControlVectorOptions,
  type ImportedControlVector,
} from "./controlVector.js";
export {
  ALPHA_UNITS,
  ASSET_FORMAT,
  ASSET_VERSION,
  GATE_MODES,
  MAX_ASSET_BYTES,
  type AlphaUnit,
  type GateMode,
  loadAsset,
  saveAsset,
  serializeAsset,
  type LoadAssetOptions,
  type SteeringAsset,
  type SteeringAssetInput,
  type SteeringAssetParams,
} from "./asset.js";
export { writeFileAtomic } from "./atomicWrite.js";
