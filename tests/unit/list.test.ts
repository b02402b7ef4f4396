// Paging parameters and ListResponse (RFC 7644 §3.4.2, §3.4.2.4).
import { listResponse, parsePaging, MAX_PAGE_SIZE } from "../../shared/scim/list";
import { thrownScimError } from "./support";

const LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

test.each([
  [undefined, undefined, { startIndex: 1, count: MAX_PAGE_SIZE }],
  ["1", "5", { startIndex: 1, count: 5 }],
  ["6", "5", { startIndex: 6, count: 5 }],
  [11, 5, { startIndex: 11, count: 5 }],
  ["0", "5", { startIndex: 1, count: 5 }], // startIndex < 1 is 1
  ["-7", "5", { startIndex: 1, count: 5 }],
  ["1", "0", { startIndex: 1, count: 0 }], // count 0: only totalResults
  ["1", "-3", { startIndex: 1, count: 0 }], // negative count is 0
  ["1", String(MAX_PAGE_SIZE + 1), { startIndex: 1, count: MAX_PAGE_SIZE }], // capped, as advertised
  ["", "", { startIndex: 1, count: MAX_PAGE_SIZE }],
])("startIndex=%p count=%p", (startIndex, count, expected) => {
  expect(parsePaging(startIndex, count)).toEqual(expected);
});

test.each([
  ["abc", "1"],
  ["1", "x"],
  ["1.5", "1"],
  ["1", "2.5"],
])("startIndex=%p count=%p is 400", (startIndex, count) => {
  expect(thrownScimError(() => parsePaging(startIndex, count)).status).toBe(400);
});

test("a ListResponse carries schemas, totalResults, startIndex, itemsPerPage and Resources", () => {
  expect(listResponse([{ id: "a" }, { id: "b" }], 12, 6)).toEqual({
    schemas: [LIST],
    totalResults: 12,
    startIndex: 6,
    itemsPerPage: 2,
    Resources: [{ id: "a" }, { id: "b" }],
  });
});

test("an empty ListResponse still has Resources (Entra's zero-result answer, §1.5)", () => {
  expect(listResponse([], 0, 1)).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
});
