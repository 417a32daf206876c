export async function runLatency(_o: { products: number; embedded: boolean; durationS: number; connections: number }): Promise<void> {
  throw new Error('not yet');
}
