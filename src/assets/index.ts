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
  INJECTION_POSITIONS,
  MAX_ASSET_BYTES,
  VECTOR_SETS,
  type AlphaUnit,
  type GateMode,
  type InjectionPositions,
  type VectorSet,
  loadAsset,
  saveAsset,
  serializeAsset,
  type LoadAssetOptions,
  type SteeringAsset,
  type SteeringAssetInput,
  type SteeringAssetParams,
} from "./asset.js";
export { writeFileAtomic } from "./atomicWrite.js";
