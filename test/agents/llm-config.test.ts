import { describe, expect, it } from 'vitest'
import { loadLlmConfig } from '../../src/config.ts'
import { resolveLlm } from '../../src/llm/llm-config.ts'

describe('LLM configuration', () => {
  it('uses the offline model when there is no API key and no base URL', () => {
    const llm = resolveLlm({}, loadLlmConfig({}))
    expect(llm).toMatchObject({ offline: true, model: 'parley-offline', maxRetries: 2, timeoutMs: 120_000 })
  })

  it('talks to OPENAI_BASE_URL with no key (Ollama, vLLM, llama.cpp), with PARLEY_MODEL as the model', () => {
    const env = loadLlmConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1', PARLEY_MODEL: 'llama3.2' })
    expect(resolveLlm({}, env)).toMatchObject({
      offline: false,
      baseURL: 'http://localhost:11434/v1',
      model: 'llama3.2',
      apiKey: undefined,
    })
  })

  it('talks to OpenAI with OPENAI_API_KEY alone, on the default model', () => {
    expect(resolveLlm({}, loadLlmConfig({ OPENAI_API_KEY: 'sk-x' }))).toMatchObject({
      offline: false,
      baseURL: undefined,
      model: 'gpt-4o-mini',
    })
  })

  it('lets an agent override the environment, without sending the environment’s key to its own base URL', () => {
    const env = loadLlmConfig({ OPENAI_API_KEY: 'sk-openai', PARLEY_LLM_MAX_RETRIES: '5', PARLEY_LLM_TIMEOUT_MS: '3000' })
    const llm = resolveLlm({ baseURL: 'http://vllm:8000/v1', model: 'qwen', temperature: 0.2 }, env)
    expect(llm).toMatchObject({
      baseURL: 'http://vllm:8000/v1',
      apiKey: undefined,
      model: 'qwen',
      temperature: 0.2,
      maxRetries: 5,
      timeoutMs: 3000,
    })
  })

  it('refuses a retry count that is not a whole number', () => {
    expect(() => loadLlmConfig({ PARLEY_LLM_MAX_RETRIES: 'many' })).toThrow(/PARLEY_LLM_MAX_RETRIES must be a whole number/)
  })
})
