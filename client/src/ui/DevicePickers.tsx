import { useTranslation } from 'react-i18next';
import type { LocalMedia } from '../media/useLocalMedia';

export function DevicePickers({ media, disabled = false }: { media: LocalMedia; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="device-pickers">
      <label>
        {t('devices.camera')}
        <select value={media.cameraId ?? ''} disabled={disabled} onChange={(e) => media.setCameraId(e.target.value)}>
          {media.cameras.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `${t('devices.camera')} ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('devices.microphone')}
        <select value={media.microphoneId ?? ''} disabled={disabled} onChange={(e) => media.setMicrophoneId(e.target.value)}>
          {media.microphones.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `${t('devices.microphone')} ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
