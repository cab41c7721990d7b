import { z } from 'zod'
import { Agent } from '../agents/agent.ts'
import { defineWorkflow } from '../runtime/define-workflow.ts'

/**
 * The seed's example: a student agent and a teacher agent talk about the mathematics subject
 * the user picks, and the run's result is the reflection summary of their chat. With no
 * OPENAI_API_KEY and no OPENAI_BASE_URL it runs on the built-in offline model.
 */
export const simple_learning = defineWorkflow({
  name: 'simple_learning',
  description: 'Student and teacher learning chat',
  params: z.object({
    max_turns: z.int().min(1).max(20).default(3).describe('Exchanges between the student and the teacher'),
  }),
  async run(ui, params) {
    const subject = await ui.textInput({
      prompt: 'Which mathematics subject would you like to explore?',
      suggestions: ['Fractions', 'Prime numbers', 'The Pythagorean theorem'],
      sender: 'Workflow',
      recipient: 'User',
    })
    const student = new Agent({ name: 'Student_Agent', systemMessage: 'You are a student willing to learn.' })
    const teacher = new Agent({ name: 'Teacher_Agent', systemMessage: 'You are a math teacher.' })
    const chat = await student.run(teacher, {
      message: `I would like to learn about ${subject.trim() || 'mathematics'}.`,
      maxTurns: params.max_turns,
      summary: 'reflection',
    })
    return chat.summary
  },
})
