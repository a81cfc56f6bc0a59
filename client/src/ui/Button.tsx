import type { ComponentPropsWithRef } from 'react';

export type ButtonVariant = 'primary' | 'secondary' | 'danger';

interface ButtonLook {
  /** primary: the one main action of a surface; secondary: everything else; danger: destructive. */
  variant?: ButtonVariant | undefined;
  /** 'small' is denser text for toolbars; the touch target stays at least 44px high. */
  size?: 'normal' | 'small' | undefined;
  /** Full width of its container (sheets, phone layouts). */
  wide?: boolean | undefined;
}

/** The class names of a button with this look, for the rare element that is neither <button> nor <a>. */
export function buttonClassName({ variant = 'secondary', size = 'normal', wide = false }: ButtonLook, extra?: string): string {
  return ['button', `button-${variant}`, size === 'small' && 'button-small', wide && 'button-wide', extra].filter(Boolean).join(' ');
}

export type ButtonProps = ButtonLook &
  ComponentPropsWithRef<'button'> & {
    /** Work in progress: announced with aria-busy, and the button is disabled until it ends. */
    busy?: boolean | undefined;
  };

/** A native button (type="button" unless told otherwise) in the design system's look. */
export function Button({ variant, size, wide, busy = false, type = 'button', className, disabled, ...rest }: ButtonProps) {
  return (
    <button
      type={type}
      className={buttonClassName({ variant, size, wide }, className)}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
      {...rest}
    />
  );
}

export type ButtonLinkProps = ButtonLook & ComponentPropsWithRef<'a'> & { href: string };

/** A link that looks like a button: for navigation (it goes somewhere), not for actions. */
export function ButtonLink({ variant, size, wide, className, ...rest }: ButtonLinkProps) {
  return <a className={buttonClassName({ variant, size, wide }, className)} {...rest} />;
}
