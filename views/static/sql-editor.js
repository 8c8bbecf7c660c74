// SQL page: Ctrl+Enter (Cmd+Enter on a Mac) in the query box runs the query, as the Run
// button does. Delegated from the document: boosted navigation swaps the body but never
// runs this file again.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return
  const box = event.target
  if (!(box instanceof HTMLTextAreaElement) || !box.classList.contains('sql-text') || !box.form) return
  event.preventDefault()
  // requestSubmit with the Run button: the form's own action, not an export's formaction.
  box.form.requestSubmit(box.form.querySelector('button[data-run]') ?? undefined)
})

// A click on a column of the list puts its name into the query box at the cursor,
// replacing any selection, and gives the box the focus back.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button.sql-column') : null
  const box = button?.closest('form')?.querySelector('textarea.sql-text')
  if (!button || !(box instanceof HTMLTextAreaElement)) return
  box.focus()
  box.setRangeText(button.getAttribute('data-insert') ?? '', box.selectionStart, box.selectionEnd, 'end')
})
