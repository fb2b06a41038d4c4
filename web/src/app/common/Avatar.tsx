import { colourIndexOf, initialsOf } from './names.ts';

/** A round badge with a person's initials; decorative, since their name is always written next to it. */
export function Avatar({
  address,
  name,
  size = 'medium',
}: {
  address: string;
  name: string;
  size?: 'small' | 'medium';
}) {
  return (
    <span className={`avatar avatar--${size} avatar--c${colourIndexOf(address)}`} aria-hidden="true">
      {initialsOf(name)}
    </span>
  );
}
