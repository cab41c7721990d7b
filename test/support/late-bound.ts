/**
 * A value that a `beforeAll`/`beforeEach` hook creates, named before it exists. `value` stands in
 * for it: every property read goes to what `current` holds at that moment. So a helper that
 * registers the hooks can hand the value out at once, and a test file can write
 * `const { server } = useServer()` at the top and `server.url` inside its tests.
 * Reading through `value` while `current` is unset throws, naming it.
 *
 * @example
 * const server = new LateBound<RunningServer>('the server')
 * beforeEach(async () => { server.current = await serve(app, { port: 0 }) })
 * return { server: server.value }
 */
export class LateBound<T extends object> {
  current: T | undefined
  readonly value: T

  constructor(name: string) {
    this.value = new Proxy({} as T, {
      get: (_target, key) => {
        const current = this.current
        if (current === undefined) throw new Error(`${name} is not there: a before hook sets it, so read it inside a test or a later hook`)
        const found = Reflect.get(current, key, current)
        return typeof found === 'function' ? found.bind(current) : found
      },
    })
  }
}
