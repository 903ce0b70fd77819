/** A form that stays on the page: its submit runs `onSubmit` instead of navigating. */
import type { FormHTMLAttributes } from "preact";

export function PageForm(
  { onSubmit, children, ...attrs }: Omit<FormHTMLAttributes<HTMLFormElement>, "onSubmit"> & {
    onSubmit: () => unknown;
  },
) {
  return (
    <form
      {...attrs}
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
    >
      {children}
    </form>
  );
}
