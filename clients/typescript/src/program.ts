/**
 * What a frontend writes against the generated types (src/schema.d.ts), type-checked with
 * `tsc --strict`: no casts, no `any`. The plain reads fail to compile if a body may be text
 * (`envelope | string`) or an error has no Problem type; each `@ts-expect-error` line fails
 * the check if a type turns into `any` (the line would compile, leaving the directive
 * unused).
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

// openapi-fetch parses JSON unless told otherwise (`parseAs`); its second type argument
// says the same to its types: the JSON media types, so that `data` is the JSON envelope
// (not a union with the CSV and NDJSON text the lists also answer) and `error` the
// `application/problem+json` Problem.
type JsonMedia = `${string}/json` | `${string}/${string}+json`;
const api = createClient<paths, JsonMedia>({ baseUrl: "http://127.0.0.1:8000" });

type Problem = components["schemas"]["Problem"];

export async function memberNames(): Promise<string[] | Problem> {
  const { data, error } = await api.GET("/v1/members", {
    params: { query: { limit: 3, sort: "-joined", as_of: "2021-12-31" } },
  });
  if (error) {
    const detail: string = error.detail;
    const status: number = error.status;
    return { ...error, detail: `${status}: ${detail}` };
  }
  // A record is sparse when `fields=` leaves `name` out, so `name` may be absent.
  const first: string | undefined = data.data[0]?.name;
  const total: number = data.meta.total;
  const next: string | null | undefined = data.links.next;
  // @ts-expect-error `name` is a string, not a number: the record type is precise.
  const wrong: number = data.data[0].name;
  void wrong;
  return [first ?? "", String(total), next ?? ""];
}

export async function memberHistory(id: string): Promise<string> {
  const { data, error } = await api.GET("/v1/members/{member_id}", {
    params: { path: { member_id: id } },
  });
  if (error) return error.detail;
  const history = data.history ?? [];
  // @ts-expect-error `history` is a list of periods, not a string.
  const wrong: string = data.history;
  void wrong;
  return history.map((period) => `${period.status} from ${period.from}`).join("; ");
}

export async function searchNames(q: string): Promise<string[]> {
  const { data, error } = await api.GET("/v1/search", {
    params: { query: { q, collections: "members,observers", limit: 5 } },
  });
  if (error) {
    const problem: Problem = error;
    return [problem.detail];
  }
  // @ts-expect-error `q` is required by the search.
  void api.GET("/v1/search", { params: { query: {} } });
  return data.data.map((hit) => `${hit.collection}/${hit.id}: ${hit.name}`);
}

export async function membersCsv(): Promise<string> {
  const { data, error } = await api.GET("/v1/members", {
    params: { query: { format: "csv" } },
    parseAs: "text",
  });
  return error ? error.detail : data;
}
