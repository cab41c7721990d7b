import { z } from 'zod'
import { defineWorkflow } from '../runtime/define-workflow.ts'

export const greet = defineWorkflow({
  name: 'greet',
  description: 'Asks for a name and a mood, then says hello',
  params: z.object({ greeting: z.string().default('Hello').describe('How to greet') }),
  async run(ui, params) {
    const name = await ui.textInput({ prompt: 'Your name?', suggestions: ['Ada', 'Grace'], sender: 'Greeter', recipient: 'User' })
    const mood = await ui.multipleChoice({ prompt: 'Mood?', choices: ['good', 'bad'], sender: 'Greeter', recipient: 'User' })
    await ui.textMessage({ body: `${params.greeting}, ${name} (${mood})`, sender: 'Greeter', recipient: 'User' })
    return `greeted ${name}`
  },
})

export const secret_check = defineWorkflow({
  name: 'secret_check',
  description: 'Asks for a passphrase (masked) and says whether it has at least 8 characters',
  async run(ui) {
    const secret = await ui.textInput({ prompt: 'Passphrase?', password: true, sender: 'Vault', recipient: 'User' })
    const verdict = secret.length >= 8 ? 'long enough' : 'too short'
    await ui.textMessage({ body: `Your passphrase is ${verdict}.`, sender: 'Vault', recipient: 'User' })
    return verdict
  },
})

export const pick_toppings = defineWorkflow({
  name: 'pick_toppings',
  description: 'A multi-select question: pick any toppings',
  params: z.object({ choices: z.array(z.string().min(1)).min(1).max(20).default(['cheese', 'olives', 'basil', 'mushrooms']) }),
  async run(ui, params) {
    const picked = await ui.multipleChoice({
      prompt: 'Which toppings?',
      choices: params.choices,
      single: false,
      sender: 'Chef',
      recipient: 'User',
    })
    const summary = picked.length === 0 ? 'no toppings' : picked.join(', ')
    await ui.textMessage({ body: `One pizza with ${summary}.`, sender: 'Chef', recipient: 'User' })
    return summary
  },
})

export const quiz_loop = defineWorkflow({
  name: 'quiz_loop',
  description: 'Asks a text question and a choice question in a loop until you choose to stop',
  params: z.object({ max_rounds: z.int().min(1).max(100).default(10).describe('Stop after this many rounds at the latest') }),
  async run(ui, params, ctx) {
    const notes: string[] = []
    for (let round = 1; round <= params.max_rounds && !ctx.signal.aborted; round++) {
      const note = await ui.textInput({
        prompt: `Round ${round}: write a note`,
        suggestions: ['hello', 'again'],
        sender: 'Quiz',
        recipient: 'User',
      })
      notes.push(note)
      await ui.textMessage({ body: `Noted: ${note}`, sender: 'Quiz', recipient: 'User' })
      const next = await ui.multipleChoice({
        prompt: 'Another round?',
        choices: ['continue', 'stop'],
        default: 'continue',
        sender: 'Quiz',
        recipient: 'User',
      })
      if (next === 'stop') break
    }
    return `${notes.length} note(s): ${notes.join(' | ')}`
  },
})

export const approval = defineWorkflow({
  name: 'approval',
  description: 'Asks for an approval with a deadline; when nobody answers in time, the request is rejected',
  params: z.object({
    request: z.string().min(1).max(500).default('Deploy to production').describe('What needs approving'),
    timeout_seconds: z.int().min(1).max(86_400).default(120).describe('How long the question waits for an answer'),
    approvers: z
      .array(z.string().min(1).max(200))
      .max(20)
      .default([])
      .describe('Users besides you who may answer (user ids): the question is in their inbox too'),
  }),
  async run(ui, params) {
    const decision = await ui.multipleChoice({
      assignees: params.approvers,
      prompt: `Approve: ${params.request}?`,
      choices: ['approve', 'reject'],
      default: 'reject',
      timeout_seconds: params.timeout_seconds,
      on_timeout: 'default', // nobody answered: take the default, reject
      sender: 'Approvals',
      recipient: 'User',
    })
    const verdict = decision === 'approve' ? 'approved' : 'rejected'
    await ui.textMessage({ body: `${params.request}: ${verdict}`, sender: 'Approvals', recipient: 'User' })
    return verdict
  },
})
