/**
 * `toolflow doctor`: what an OpenAI-compatible endpoint does (probe.ts), and the stored findings a run starts from
 * (store.ts). See docs/doctor.md.
 */
export {
  PROFILE_KEYS,
  runDoctor,
  type DoctorCheck,
  type DoctorOptions,
  type DoctorReport,
  type EndpointProfile,
  type EndpointRefusals,
} from "./probe.js";
export { endpointProfilePath, loadEndpointProfile, saveEndpointProfile, startOptionsFor } from "./store.js";
