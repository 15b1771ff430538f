export const settings = {
  jobs: [],
  retries: 3 4,
};
