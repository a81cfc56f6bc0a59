/** What this device remembers of its applications: enough to show them and to withdraw later. */
export interface MyApplication {
  id: string;
  vacancyId: string;
  title: string;
  employer: string;
  idempotencyKey: string;
  at: string;
}

const KEY = 'chunfeng.myApplications';

export function myApplications(): MyApplication[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as MyApplication[];
  } catch {
    return [];
  }
}

export function rememberApplication(a: MyApplication): void {
  const all = myApplications().filter((x) => x.id !== a.id);
  localStorage.setItem(KEY, JSON.stringify([a, ...all].slice(0, 100)));
}
