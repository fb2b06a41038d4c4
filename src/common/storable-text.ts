import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Text PostgreSQL can store as it was sent: no NUL character (text columns refuse it) and no lone UTF-16 surrogate
 * (it would silently become U+FFFD).
 */
export function isStorableText(value: unknown): boolean {
  return typeof value === 'string' && !value.includes('\u0000') && value.isWellFormed();
}

export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: isStorableText,
        defaultMessage: (args) => `${args?.property} must be well-formed Unicode text without NUL characters`,
      },
    },
    options,
  );
}
