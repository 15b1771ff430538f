export const retries = 3;
export function helper(): void {}
