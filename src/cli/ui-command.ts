/** `parley ui`: placeholder until the web UI lands (issue 4). */
export async function uiCommand(_args: string[]): Promise<void> {
  console.error('parley ui: the web UI is not built yet')
  process.exitCode = 2
}
