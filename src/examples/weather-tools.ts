import { z } from 'zod'
import { Agent } from '../agents/agent.ts'
import { defineTool } from '../agents/tool.ts'
import { defineWorkflow } from '../runtime/define-workflow.ts'

const CONDITIONS = ['sunny', 'partly cloudy', 'overcast', 'light rain', 'windy'] as const

/** Demo data, derived from the city's name: the example needs no weather service or network. */
const getWeather = defineTool({
  name: 'get_weather',
  description: 'Current weather in a city (demo data)',
  params: z.object({ city: z.string().min(1).max(100).describe('City name, e.g. Paris') }),
  async execute({ city }) {
    const seed = [...city.toLowerCase()].reduce((sum, char) => (sum * 31 + (char.codePointAt(0) ?? 0)) % 9973, 7)
    return { city, temperature_c: (seed % 30) - 2, conditions: CONDITIONS[seed % CONDITIONS.length], source: 'demo data' }
  },
})

/**
 * An agent with a tool, where you approve each call: the user asks about a city's weather,
 * Weather_Agent proposes `get_weather`, you Approve / Reject / Exit, and its answer is the result.
 */
export const weather_tools = defineWorkflow({
  name: 'weather_tools',
  description: 'An assistant that calls a weather tool, after you approve each call',
  params: z.object({
    city: z.string().min(1).max(100).default('Paris').describe('Where to ask about'),
    max_turns: z.int().min(1).max(10).default(2),
  }),
  async run(_ui, params) {
    const user = new Agent({ name: 'User', llm: false, humanInput: 'never' })
    const assistant = new Agent({
      name: 'Weather_Agent',
      systemMessage:
        'You are a helpful weather assistant. Use the get_weather tool to answer; do not guess. ' +
        'When you have answered, end your message with TERMINATE.',
      tools: [getWeather],
    })
    const chat = await user.run(assistant, {
      message: `What is the weather like in ${params.city} right now?`,
      maxTurns: params.max_turns,
      summary: 'last',
      approveTools: true,
    })
    return chat.summary
  },
})
