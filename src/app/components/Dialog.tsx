/** A modal dialog on the native <dialog> element: focus is trapped, Escape closes, the title names it. */
import type { JSX, ParentProps } from 'solid-js'
import { createEffect, createUniqueId } from 'solid-js'

export function Dialog(
  props: ParentProps<{
    open: boolean
    title: string
    onClose: () => void
    actions?: JSX.Element
    onSubmit?: () => void
  }>,
) {
  let dialog!: HTMLDialogElement
  const titleId = createUniqueId()
  createEffect(() => {
    if (props.open && !dialog.open) dialog.showModal()
    if (!props.open && dialog.open) dialog.close()
  })
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={() => props.onClose()} class="dialog">
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault()
          props.onSubmit?.()
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <div class="dialog-actions">{props.actions}</div>
      </form>
    </dialog>
  )
}
