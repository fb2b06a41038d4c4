import { LogoMark } from './icons.tsx';

export function BrandMark({ large = false }: { large?: boolean }) {
  return (
    <span className={`brand-mark ${large ? 'brand-mark--large' : ''}`} aria-hidden="true">
      <LogoMark />
    </span>
  );
}
