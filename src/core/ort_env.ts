/**
 * onnxruntime-node 1.29+ ships Microsoft's 1DS telemetry on Linux and macOS: on load it creates
 * an (empty) `mat-debug-<pid>.log` in /tmp for every process, keeps a device id under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime and tries to upload events. branchnet promises
 * no network at run time, so it sets onnxruntime's own opt-out, ORT_DISABLE_TELEMETRY=1
 * (microsoft/onnxruntime PR #27379), before loading the native library — unless the user set the
 * variable, whatever its value. It must be set before the library initialises: once per process.
 */
export function optOutOfOrtTelemetry(): void {
  if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1';
}
