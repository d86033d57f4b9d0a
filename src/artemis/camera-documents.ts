import type { JsonObject } from './json';
import type { MediaFile } from './media-list';

/**
 * Documents a simulated camera answers with, shaped exactly like the real KJK230's (pure).
 * The device-info template is the camera's real cmdId 512 response from the app log
 * (`App_Log_2025-12-23log.txt`, 23:42:19, firmware 2.3.0.4), key order kept.
 */

/** The camera values a simulation may choose. */
export interface CameraDeviceState {
  batteryPercent: number;
  charging: boolean;
  solarCharging: boolean;
  /** °C */
  temperature: number;
  sdTotalMB: number;
  sdFreeMB: number;
  firmware: string;
  model: string;
  deviceId: string;
}

/** The real camera's values from the app log. */
export const DEFAULT_CAMERA_DEVICE_STATE: Readonly<CameraDeviceState> = Object.freeze({
  batteryPercent: 20,
  charging: false,
  solarCharging: false,
  temperature: 19,
  sdTotalMB: 30196,
  sdFreeMB: 30034,
  firmware: '2.3.0.4',
  model: 'KJK230',
  deviceId: 'C6:1E:0D:E0:32:E8',
});

/** The real 512 response, verbatim. */
const REAL_DEVICE_INFO_RESPONSE = {
  devId: 'C6:1E:0D:E0:32:E8',
  fwVerName: '2.3.0.4',
  fwVerCode: 2304,
  bleVerName: '3.3.5',
  bleVerCode: 335,
  modelName: 'KJK230',
  subModelName: 'KJKD',
  productId: 115,
  customName: 'HDKing',
  cameraNameOnOff: 0,
  cameraName: '0000',
  longitude: '',
  latitude: '',
  pwrFreq: 0,
  infraRedLum: 3,
  timeUTC: 1766533338,
  timeZoneOffset: 0,
  timeDst: 0,
  screenType: 7,
  wifiSocType: 5,
  osdInfoEnable: true,
  WiFiLedEnable: true,
  batPercent: 20,
  emergencyBatPercent: 0,
  batType: 1,
  curBatType: 1,
  isCharging: false,
  isSolarCharging: false,
  temperature: 19,
  workMode: 0,
  timelapseInterval: 3600,
  shootMode: 0,
  picResolution: 100,
  videoResolution: 100,
  continuousShootCnt: 1,
  recordDuration: 10,
  recordAudio: 1,
  dateFormat: 1,
  timeFormat: 0,
  languageCode: 'de',
  workTimeOnOff: 0,
  workTimeStartHour: 0,
  workTimeStartMin: 0,
  workTimeEndHour: 23,
  workTimeEndMin: 59,
  pirSens: 1,
  pirCoolingTime: 10,
  sidePirOnOff: 1,
  enableAiFilter: 0,
  detectionAreaVertex0X: 0,
  detectionAreaVertex0Y: 0,
  detectionAreaVertex1X: 0,
  detectionAreaVertex1Y: 0,
  detectionAreaVertex2X: 0,
  detectionAreaVertex2Y: 0,
  detectionAreaVertex3X: 0,
  detectionAreaVertex3Y: 0,
  secureCodeOnOff: 0,
  secureCode0: 0,
  secureCode1: 0,
  secureCode2: 0,
  secureCode3: 0,
  defaultMicVolume: 80,
  defaultSpkVolume: 80,
  sdTotalMB: 30196,
  sdFreeMB: 30034,
  recordMode: 0,
  sdCardFormatErr: 0,
  spkVol: 80,
  micVol: 80,
  lum: 0,
  capability: {
    platform: 'T23ZN',
    languages: [
      { langCode: 'en' },
      { langCode: 'de' },
      { langCode: 'fr' },
      { langCode: 'es' },
      { langCode: 'po' },
      { langCode: 'du' },
      { langCode: 'it' },
      { langCode: 'sv' },
      { langCode: 'pl' },
      { langCode: 'cn' },
      { langCode: 'jp' },
      { langCode: 'cz' },
    ],
    imgResolutions: [
      { resolution: 100 },
      { resolution: 0 },
      { resolution: 2 },
      { resolution: 3 },
      { resolution: 5 },
      { resolution: 6 },
      { resolution: 8 },
      { resolution: 9 },
      { resolution: 11 },
      { resolution: 12 },
    ],
    videoResolutions: [{ resolution: 100 }, { resolution: 1 }, { resolution: 2 }, { resolution: 4 }, { resolution: 5 }, { resolution: 7 }, { resolution: 6 }],
    enableAiFilter: true,
    supportSidePir: false,
    dispDetailVideoResolution: false,
    supportScreen: true,
    supportLockScreen: true,
    supportMicVolume: true,
    supportSpkVolume: true,
    supportOsdInfo: true,
    supportWiFiLED: true,
    supportInfraRed: true,
    supportAutoInfraRed: false,
    supportOnlineService: true,
  },
  errorMsg: 'Success',
  result: 0,
  cmdId: 512,
} satisfies JsonObject;

/** A 512 response with the simulated values in the real document's places. */
export function deviceInfoResponse(state: CameraDeviceState, nowUnixSeconds: number): JsonObject {
  const document = JSON.parse(JSON.stringify(REAL_DEVICE_INFO_RESPONSE)) as JsonObject;
  return Object.assign(document, {
    devId: state.deviceId,
    fwVerName: state.firmware,
    modelName: state.model,
    timeUTC: Math.floor(nowUnixSeconds),
    batPercent: state.batteryPercent,
    isCharging: state.charging,
    isSolarCharging: state.solarCharging,
    temperature: state.temperature,
    sdTotalMB: state.sdTotalMB,
    sdFreeMB: state.sdFreeMB,
  });
}

/** A 768 response for one page of `media` (newest first), shaped like the real one. */
export function mediaListResponse(media: readonly MediaFile[], pageNo: number, itemCntPerPage: number): JsonObject {
  const start = pageNo * itemCntPerPage;
  const page = media.slice(start, start + itemCntPerPage).map((file) => ({ ...file }));
  return {
    mediaFiles: page,
    // Guess: the real camera's cnt (45) equalled both the page size and the entries sent.
    cnt: page.length,
    pageNo,
    getMediaListRet: 0,
    errorMsg: 'Success',
    result: 0,
    cmdId: 768,
  };
}

/**
 * A plausible picture list, newest first, like the real one: `fileType` 0, `durationMs` 0,
 * `mediaDirNum` 100, `mediaNum` counting down from `count`, random u32 `mediaId`, times going
 * back from `newestUnixSeconds` by 1 min – 6 h each.
 */
export function generateMediaFiles(count: number, random: () => number, newestUnixSeconds: number): MediaFile[] {
  const files: MediaFile[] = [];
  let time = Math.floor(newestUnixSeconds);
  for (let index = 0; index < count; index += 1) {
    files.push({
      fileType: 0,
      mediaDirNum: 100,
      mediaNum: count - index,
      durationMs: 0,
      mediaId: Math.floor(random() * 0x1_0000_0000),
      mediaTime: time,
    });
    time -= 60 + Math.floor(random() * 6 * 3600);
  }
  return files;
}
