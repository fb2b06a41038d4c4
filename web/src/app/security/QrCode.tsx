import { useMemo } from 'react';
import { encode } from 'uqr';
import { qrPath } from './qr-path.ts';

/** The quiet zone the QR standard asks for around the code, in modules. */
const QUIET_ZONE = 4;
/** About how wide the code is drawn, in CSS pixels: large enough for a phone camera held at arm's length. */
const TARGET_PX = 170;

/**
 * `payload` as a QR code, drawn as inline SVG (no canvas, no script): dark on white in both colour schemes, as
 * scanners expect. `label` is what a screen reader says of it.
 */
export function QrCode({ payload, label }: { payload: string; label: string }) {
  const { size, path } = useMemo(() => {
    const code = encode(payload, { ecc: 'M', border: QUIET_ZONE });
    return { size: code.size, path: qrPath(code.data) };
  }, [payload]);
  // A whole number of pixels per module: scaled by a fraction, modules come out one pixel wider or narrower in turn,
  // which makes the code look smudged and harder to scan off a screen.
  const drawn = size * Math.max(2, Math.round(TARGET_PX / size));
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${size} ${size}`}
      width={drawn}
      height={drawn}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="safety-qr"
      data-payload={payload}
    >
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
