import type { ApiSession, FieldError, Run, Workflow } from './api.ts'
import { describeFailure, isProblem, newIdempotencyKey } from './api.ts'
import { unreachable } from './assert.ts'
import { append, h, uid } from './dom.ts'
import type { FieldSpec, RawValue } from './schema-fields.ts'
import { constraintHint, fieldsOf, initialValue, paramOfField, parseField } from './schema-fields.ts'

interface FieldControl {
  spec: FieldSpec
  element: HTMLElement
  read(): RawValue
  focus(): void
  showError(message: string | undefined): void
}

/**
 * The start form of a workflow, generated from its `params_schema`: one labelled control per
 * param, defaults filled in, descriptions and constraints as help text, required marks. Input is
 * checked before sending; a 422 from the server is shown next to the field it names.
 */
export function renderParamsForm(session: ApiSession, workflow: Workflow, onStarted: (run: Run) => void): HTMLElement {
  const specs = fieldsOf(workflow.params_schema)
  const controls = specs.map(createControl)
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Start run')
  const headingId = uid('start')
  const form = h(
    'form',
    { class: 'start-form', novalidate: true, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, workflow.name),
    h('p', { class: 'form-description' }, workflow.description),
    controls.length === 0 ? h('p', { class: 'muted' }, 'This workflow takes no parameters.') : null,
    ...controls.map((control) => control.element),
    specs.some((spec) => spec.required) ? h('p', { class: 'muted small' }, h('span', { class: 'required-mark' }, '*'), ' required') : null,
    formError,
    h('div', { class: 'form-actions' }, submit),
  )

  // The same key while the same params are retried (a double click, a network blip): one run, not two.
  let attempt: { body: string; key: string } | undefined

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    showFormError(undefined)
    const params: Record<string, unknown> = {}
    let firstInvalid: FieldControl | undefined
    for (const control of controls) {
      const parsed = parseField(control.spec, control.read())
      if (!parsed.ok) {
        control.showError(parsed.error)
        firstInvalid ??= control
      } else {
        control.showError(undefined)
        if (!parsed.omit) params[control.spec.name] = parsed.value
      }
    }
    if (firstInvalid) {
      firstInvalid.focus()
      return
    }
    const body = JSON.stringify(params)
    if (attempt?.body !== body) attempt = { body, key: newIdempotencyKey() }
    submit.disabled = true
    submit.textContent = 'Starting…'
    try {
      const { data, error, response } = await session.client.startRun(workflow.name, params, { idempotencyKey: attempt.key })
      if (data) {
        attempt = undefined
        onStarted(data)
        return
      }
      if (response.status === 422 && isProblem(error) && error.errors) showServerErrors(error.errors, error.detail)
      else showFormError(describeFailure(error, response))
    } catch (error) {
      showFormError(describeFailure(error))
    } finally {
      submit.disabled = false
      submit.textContent = 'Start run'
    }
  })

  function showServerErrors(errors: FieldError[], detail: string) {
    const unplaced: string[] = []
    let first: FieldControl | undefined
    for (const fieldError of errors) {
      const param = paramOfField(fieldError.field)
      const control = param && controls.find((candidate) => candidate.spec.name === param.name)
      if (!param || !control) {
        unplaced.push(`${fieldError.field}: ${fieldError.message}`)
        continue
      }
      control.showError(param.rest ? `${param.rest}: ${fieldError.message}` : fieldError.message)
      first ??= control
    }
    if (unplaced.length > 0) showFormError(`${detail}. ${unplaced.join('; ')}`)
    first?.focus()
  }

  function showFormError(message: string | undefined) {
    formError.hidden = message === undefined
    formError.textContent = message ?? ''
  }

  return form
}

function createControl(spec: FieldSpec): FieldControl {
  const id = uid(`param-${spec.name}`)
  const helpId = `${id}-help`
  const errorId = `${id}-error`
  const initial = initialValue(spec)
  const hint = [spec.description, constraintHint(spec)].filter(Boolean).join('. ')
  const help = hint ? h('p', { class: 'help', id: helpId }, hint) : null
  const error = h('p', { class: 'field-error', id: errorId, hidden: true })
  const describedBy = [help ? helpId : '', errorId].filter(Boolean).join(' ')
  const requiredMark = spec.required ? h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *') : null
  const common = { id, name: spec.name, 'aria-describedby': describedBy, 'aria-required': spec.required ? 'true' : null }

  let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | undefined
  let boxes: HTMLInputElement[] = []
  let element: HTMLElement
  switch (spec.kind) {
    case 'boolean': {
      const box = h('input', { ...common, type: 'checkbox', checked: initial === true })
      input = box
      element = h(
        'div',
        { class: 'field field-checkbox', 'data-field': spec.name },
        box,
        h('label', { for: id }, spec.name, requiredMark),
        help,
        error,
      )
      break
    }
    case 'multi-enum': {
      boxes = spec.options.map((_option, index) =>
        h('input', {
          type: 'checkbox',
          name: spec.name,
          value: String(index),
          checked: Array.isArray(initial) && initial.includes(String(index)),
        }),
      )
      element = h(
        'fieldset',
        { class: 'field', 'data-field': spec.name, 'aria-describedby': describedBy },
        h('legend', {}, spec.name, requiredMark),
        ...boxes.map((box, index) => h('label', { class: 'choice' }, box, ` ${String(spec.options[index])}`)),
        help,
        error,
      )
      break
    }
    default: {
      input = textualInput(spec, common, initial)
      element = h('div', { class: 'field', 'data-field': spec.name }, h('label', { for: id }, spec.name, requiredMark), input, help, error)
    }
  }

  const target = input
  return {
    spec,
    element,
    read: () => {
      if (spec.kind === 'multi-enum') return boxes.filter((box) => box.checked).map((box) => box.value)
      if (target instanceof HTMLInputElement && target.type === 'checkbox') return target.checked
      // A number input reports '' for text it cannot parse ("1e"); pass on something that fails as a number.
      if (target instanceof HTMLInputElement && target.validity.badInput) return 'NaN'
      return target?.value ?? ''
    },
    focus: () => (target ?? boxes[0])?.focus(),
    showError: (message) => {
      error.hidden = message === undefined
      error.textContent = message ?? ''
      element.classList.toggle('invalid', message !== undefined)
      for (const control of target ? [target] : boxes) {
        if (message === undefined) control.removeAttribute('aria-invalid')
        else control.setAttribute('aria-invalid', 'true')
      }
    },
  }
}

/** The control of a field typed in as text (or picked from a list): input, textarea or select. */
function textualInput(
  spec: FieldSpec,
  common: Record<string, string | null>,
  initial: RawValue,
): HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement {
  const value = typeof initial === 'string' ? initial : ''
  const s = spec.schema
  switch (spec.kind) {
    case 'enum': {
      const select = h(
        'select',
        common,
        spec.required && spec.hasDefault ? null : h('option', { value: '' }, spec.required ? 'Choose…' : '(default)'),
        ...spec.options.map((option, index) => h('option', { value: String(index) }, String(option))),
      )
      select.value = value
      return select
    }
    case 'integer':
    case 'number':
      return h('input', {
        ...common,
        type: 'number',
        inputmode: spec.kind === 'integer' ? 'numeric' : 'decimal',
        step: spec.kind === 'integer' ? (s.multipleOf ?? 1) : (s.multipleOf ?? 'any'),
        min: s.minimum ?? null,
        max: s.maximum ?? null,
        value,
      })
    case 'string':
      return h('input', { ...common, type: 'text', value, maxlength: s.maxLength ?? null, autocomplete: 'off' })
    case 'text':
    case 'string-list':
    case 'json': {
      const area = h('textarea', { ...common, rows: spec.kind === 'json' ? 4 : 3, spellcheck: spec.kind === 'json' ? 'false' : null })
      area.value = value
      if (spec.kind === 'json') area.classList.add('mono')
      return area
    }
    case 'boolean':
    case 'multi-enum':
      throw new Error(`${spec.kind} is not a text field`)
    default:
      return unreachable(spec.kind)
  }
}

/** Renders the form, or says why it cannot. */
export function formPanel(session: ApiSession, workflow: Workflow | undefined, name: string, onStarted: (run: Run) => void): HTMLElement {
  const panel = h('section', { class: 'panel form-panel' }, h('a', { class: 'back', href: '#/' }, '← All workflows'))
  if (workflow) append(panel, renderParamsForm(session, workflow, onStarted))
  else append(panel, h('h2', {}, 'Unknown workflow'), h('p', {}, `This server has no workflow named “${name}”.`))
  return panel
}
