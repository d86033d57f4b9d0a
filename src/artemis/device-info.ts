import { booleanField, numberField, stringField, type JsonObject } from './json';

/**
 * The camera's state from the device-info response (cmdId 512), normalised. A field is `null`
 * when the camera did not report it (or reported it with another type).
 *
 * Mapping from the KJK230 response (firmware 2.3.0.4, app log 2025-12-23):
 * | ours            | camera field                         |
 * |-----------------|--------------------------------------|
 * | batteryPercent  | `batPercent` (0–100)                 |
 * | charging        | `isCharging` or `isSolarCharging`    |
 * | solarCharging   | `isSolarCharging`                    |
 * | temperature     | `temperature` (°C, our reading: 19 indoors in December) |
 * | sdTotalMB       | `sdTotalMB`                          |
 * | sdFreeMB        | `sdFreeMB`                           |
 * | firmware        | `fwVerName` (e.g. "2.3.0.4")         |
 * | model           | `modelName` (e.g. "KJK230")          |
 * | deviceId        | `devId` (a MAC-like "C6:1E:…")       |
 * | cameraTime      | `timeUTC` (unix seconds)             |
 * `raw` is the whole response as received (it holds no token or credentials).
 */
export interface DeviceInfo {
  batteryPercent: number | null;
  charging: boolean | null;
  solarCharging: boolean | null;
  temperature: number | null;
  sdTotalMB: number | null;
  sdFreeMB: number | null;
  firmware: string | null;
  model: string | null;
  deviceId: string | null;
  cameraTime: number | null;
  raw: JsonObject;
}

/** Normalises a 512 response body (pure). */
export function normaliseDeviceInfo(body: JsonObject): DeviceInfo {
  const isCharging = booleanField(body, 'isCharging');
  const isSolarCharging = booleanField(body, 'isSolarCharging');
  const charging = isCharging === undefined && isSolarCharging === undefined ? null : isCharging === true || isSolarCharging === true;
  return {
    batteryPercent: numberField(body, 'batPercent') ?? null,
    charging,
    solarCharging: isSolarCharging ?? null,
    temperature: numberField(body, 'temperature') ?? null,
    sdTotalMB: numberField(body, 'sdTotalMB') ?? null,
    sdFreeMB: numberField(body, 'sdFreeMB') ?? null,
    firmware: stringField(body, 'fwVerName') ?? null,
    model: stringField(body, 'modelName') ?? null,
    deviceId: stringField(body, 'devId') ?? null,
    cameraTime: numberField(body, 'timeUTC') ?? null,
    raw: body,
  };
}
