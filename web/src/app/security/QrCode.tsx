import { useMemo } from 'react';
import { encode } from 'uqr';
import { qrPath } from './qr-path.ts';

/** The quiet zone the QR standard asks for around the code, in modules. */
const QUIET_ZONE = 4;

/**
 * `payload` as a QR code, drawn as inline SVG (no canvas, no script): dark on white in both colour schemes, as
 * scanners expect. `label` is what a screen reader says of it.
 */
export function QrCode({ payload, label }: { payload: string; label: string }) {
  const { size, path } = useMemo(() => {
    const code = encode(payload, { ecc: 'M', border: QUIET_ZONE });
    return { size: code.size, path: qrPath(code.data) };
  }, [payload]);
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${size} ${size}`}
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
