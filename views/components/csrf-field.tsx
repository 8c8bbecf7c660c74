/**
 * @module
 * The hidden anti-CSRF field every console form carries (SPEC §7).
 */

/** Props of {@link CsrfField}. */
export interface CsrfFieldProps {
  token: string
}

/** `<input type=hidden name=_csrf>` with the request's token. */
export function CsrfField({ token }: CsrfFieldProps) {
  return <input type="hidden" name="_csrf" value={token} />
}
