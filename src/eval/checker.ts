/**
 * BFCL's AST checker, re-implemented: is a model's decoded answer (a list of `{function_name: {arg: value}}`) a
 * correct answer to a BFCL question, given the question's function docs and its possible answer
 * (`[{function_name: {arg: [acceptable values]}}]`)? The rules and the error type names are BFCL's
 * (bfcl_eval/eval_checker/ast_eval/ast_checker.py, Python), including its quirks; docs/eval.md lists them.
 *
 * Values are compared with Python's semantics: build model outputs and answers with {@link parsePyJson} so that a
 * number written 2.0 stays a float. The checker works on BFCL's original function names (dots included); callers
 * that send the functions to an API map names with `createNameMap` first.
 */
import { isDict, pyContains, pyEquals, PyFloat, pyItems, pyType, type PyTypeName } from "../core/index.js";

/** One BFCL function doc: `{name, description, parameters: {type: "dict", properties, required}}`. */
export interface FunctionDoc {
  name: string;
  description?: string;
  parameters?: {
    type?: string;
    properties?: Record<string, ParamDoc>;
    required?: string[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One parameter doc (BFCL's types: string, integer, float, boolean, array, tuple, dict, any). */
export interface ParamDoc {
  type?: string;
  items?: ParamDoc;
  properties?: Record<string, ParamDoc>;
  [key: string]: unknown;
}

/** A decoded call: one key, the function name, whose value holds the arguments. */
export type DecodedCall = Record<string, Record<string, unknown>>;

/** BFCL's possible answer for one question: one entry per expected call, each argument with its acceptable values. */
export type PossibleAnswer = Array<Record<string, Record<string, unknown[]>>>;

/** The checker's verdict; `errorType` and `error` are null when valid. */
export interface CallCheck {
  valid: boolean;
  /** BFCL's error type name, e.g. `simple_function_checker:missing_required`. */
  errorType: string | null;
  /** What is wrong, in words. */
  error: string | null;
}

const OK: CallCheck = Object.freeze({ valid: true, errorType: null, error: null }) as CallCheck;

function fail(errorType: string, error: string): CallCheck {
  return { valid: false, errorType, error };
}

/** BFCL's doc types and the Python type a value of each must have ("any" is checked as a string, as BFCL does). */
const TYPE_MAPPING: Readonly<Record<string, PyTypeName>> = {
  string: "str",
  integer: "int",
  float: "float",
  boolean: "bool",
  array: "list",
  tuple: "list",
  dict: "dict",
  any: "str",
  // JSON Schema spellings, for docs that did not come from BFCL (BFCL's data never uses them)
  object: "dict",
  number: "float",
};

const NESTED_TYPES = new Set(["array", "tuple"]);

/** How strings are compared: spaces and `,./-_*^` removed, lower case, single quotes as double quotes. */
export function standardizeString(s: string): string {
  return s.replace(/[ ,./\-_*^]/g, "").toLowerCase().replace(/'/g, '"');
}

/** Is the output a list of one-key objects whose values are objects (BFCL's decoded call format; `[]` is)? */
export function isFunctionCallFormat(output: unknown): output is DecodedCall[] {
  if (!Array.isArray(output)) return false;
  for (const item of output) {
    if (!isDict(item)) return false;
    const keys = Object.keys(item);
    if (keys.length !== 1) return false;
    if (!isDict(item[keys[0] as string])) return false;
  }
  return true;
}

/** BFCL's "no call was made": not in call format, `[]`, or `[{}]`. */
export function isEmptyOutput(output: unknown): boolean {
  if (!isFunctionCallFormat(output)) return true;
  return output.length === 0;
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

// ---------------------------------------------------------------- value checkers

function firstAnswerType(answers: unknown): PyTypeName | undefined {
  for (const a of pyItems(answers)) if (a !== "") return pyType(a);
  return undefined;
}

interface TypeCheck {
  result: CallCheck;
  isVariable: boolean;
}

/** The type check of one value; for arrays, the items against each acceptable list (one level deep, as BFCL). */
function checkType(param: string, value: unknown, answers: unknown, expected: PyTypeName, nested: PyTypeName | undefined, typeDesc: string): TypeCheck {
  const answerType = firstAnswerType(answers);
  // an acceptable value of another type than the doc's marks a variable: the value is then compared as it is
  const isVariable = answerType !== undefined && answerType !== expected;
  const actual = pyType(value);
  let nestedFailure: CallCheck | undefined;
  if (actual === expected) {
    if (nested === undefined) return { result: OK, isVariable };
    for (const candidate of pyItems(answers)) {
      let ok = true;
      if (Array.isArray(candidate)) {
        for (const item of value as unknown[]) {
          if (!checkType(param, item, candidate, nested, undefined, nested).result.valid) {
            ok = false;
            break;
          }
        }
      }
      if (ok) return { result: OK, isVariable };
    }
    nestedFailure = fail(
      "type_error:nested",
      `nested type check failed for parameter "${param}": expected ${typeDesc} of ${nested}, got ${show(value)}`,
    );
  }
  if (answerType !== undefined && actual === answerType) return { result: nestedFailure ?? OK, isVariable: true };
  return {
    result: fail("type_error:simple", `incorrect type for parameter "${param}": expected ${typeDesc}, got ${actual} (${show(value)})`),
    isVariable: false,
  };
}

function checkString(param: string, value: string, answers: unknown): CallCheck {
  const v = standardizeString(value);
  for (const a of pyItems(answers)) if (typeof a === "string" && standardizeString(a) === v) return OK;
  return fail("value_error:string", `invalid value for parameter "${param}": ${show(value)}; expected one of ${show(answers)} (after normalization)`);
}

function standardizeItems(x: unknown): unknown[] {
  return pyItems(x).map((v) => (typeof v === "string" ? standardizeString(v) : v));
}

function checkList(param: string, value: unknown[], answers: unknown): CallCheck {
  const v = standardizeItems(value);
  for (const a of pyItems(answers)) if (pyEquals(v, standardizeItems(a))) return OK;
  return fail("value_error:list/tuple", `invalid value for parameter "${param}": ${show(value)}; expected one of ${show(answers)}`);
}

function checkDict(param: string, value: Record<string, unknown>, answers: unknown[]): CallCheck {
  let result = fail("dict_checker:unclear", `no acceptable value for parameter "${param}"`);
  for (const answer of answers) {
    if (answer === "") continue;
    result = checkDictAgainst(param, value, answer);
    if (result.valid) return OK;
  }
  return result;
}

function checkDictAgainst(param: string, value: Record<string, unknown>, answer: unknown): CallCheck {
  for (const [key, v] of Object.entries(value)) {
    if (!pyContains(answer, key)) return fail("value_error:dict_key", `unexpected key "${key}" in parameter "${param}"`);
    const acceptable = isDict(answer) ? answer[key] : undefined;
    const sv = typeof v === "string" ? standardizeString(v) : v;
    if (!standardizeItems(acceptable).some((a) => pyEquals(sv, a))) {
      return fail("value_error:dict_value", `invalid value for key "${key}" of parameter "${param}": ${show(v)}; expected one of ${show(acceptable)}`);
    }
  }
  if (isDict(answer)) {
    for (const [key, acceptable] of Object.entries(answer)) {
      if (!Object.hasOwn(value, key) && !pyContains(acceptable, "")) {
        return fail("value_error:dict_key", `missing key "${key}" in parameter "${param}"`);
      }
    }
  }
  return OK;
}

function checkListOfDicts(param: string, value: unknown[], answers: unknown[]): CallCheck {
  let result = fail("list_dict_checker:unclear", `no acceptable value for parameter "${param}"`);
  for (const answer of answers) {
    const expected = pyItems(answer);
    if (value.length !== expected.length) {
      result = fail("value_error:list_dict_count", `wrong number of objects in parameter "${param}": ${value.length}, expected ${expected.length}`);
      continue;
    }
    let ok = true;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      result = isDict(item)
        ? checkDict(param, item, [expected[i]])
        : fail("value_error:dict_value", `item ${i} of parameter "${param}" is not an object`);
      if (!result.valid) {
        ok = false;
        break;
      }
    }
    if (ok) return OK;
  }
  return result;
}

// ---------------------------------------------------------------- call checkers

/** One call against one function doc and one expected call (BFCL's simple_function_checker). */
function checkOneCall(doc: FunctionDoc | undefined, call: DecodedCall, expected: Record<string, Record<string, unknown[]>>): CallCheck {
  if (doc === undefined) {
    return fail("simple_function_checker:missing_doc", `the expected function ${show(Object.keys(expected)[0])} has no doc in the question`);
  }
  const answer = Object.values(expected)[0] ?? {};
  const name = doc.name;
  const properties = doc.parameters?.properties ?? {};
  const required = doc.parameters?.required ?? [];
  if (!Object.hasOwn(call, name)) {
    return fail("simple_function_checker:wrong_func_name", `function "${name}" not called (called ${show(Object.keys(call))})`);
  }
  const args = call[name] as Record<string, unknown>;
  for (const r of required) {
    if (!Object.hasOwn(args, r)) return fail("simple_function_checker:missing_required", `missing required parameter "${r}" of "${name}"`);
  }
  for (const [param, raw] of Object.entries(args)) {
    if (!Object.hasOwn(properties, param) || !Object.hasOwn(answer, param)) {
      return fail("simple_function_checker:unexpected_param", `unexpected parameter "${param}" of "${name}"`);
    }
    const pdoc = properties[param] as ParamDoc;
    const acceptable = answer[param];
    const typeDesc = String(pdoc.type);
    const expectedType = TYPE_MAPPING[typeDesc];
    if (expectedType === undefined) {
      return fail("type_error:unsupported_type", `parameter "${param}" of "${name}" has a type the checker does not know: ${show(pdoc.type)}`);
    }
    let nested: PyTypeName | undefined;
    if (NESTED_TYPES.has(typeDesc)) {
      const itemType = pdoc.items?.type;
      nested = itemType === undefined ? undefined : TYPE_MAPPING[itemType];
      if (itemType !== undefined && nested === undefined) {
        return fail("type_error:unsupported_type", `items of parameter "${param}" of "${name}" have a type the checker does not know: ${show(itemType)}`);
      }
    }
    // an int is accepted where a float is wanted (Python converts it)
    const value = expectedType === "float" && pyType(raw) === "int" ? new PyFloat(raw as number) : raw;
    const typed = checkType(param, value, acceptable, expectedType, nested, typeDesc);
    if (!typed.result.valid) return typed.result;
    if (!typed.isVariable) {
      let r: CallCheck | undefined;
      if (expectedType === "dict") r = checkDict(param, value as Record<string, unknown>, pyItems(acceptable));
      else if (expectedType === "list" && nested === "dict") r = checkListOfDicts(param, value as unknown[], pyItems(acceptable));
      else if (expectedType === "str") r = checkString(param, value as string, acceptable);
      else if (expectedType === "list") r = checkList(param, value as unknown[], acceptable);
      if (r !== undefined) {
        if (!r.valid) return r;
        continue;
      }
    }
    if (!pyContains(acceptable, value)) {
      return fail("value_error:others", `invalid value for parameter "${param}": ${show(value)}; expected one of ${show(acceptable)}`);
    }
  }
  for (const [param, acceptable] of Object.entries(answer)) {
    if (!Object.hasOwn(args, param) && !pyContains(acceptable, "")) {
      return fail("simple_function_checker:missing_optional", `parameter "${param}" of "${name}" not given and not optional`);
    }
  }
  return OK;
}

function findDoc(docs: readonly FunctionDoc[], name: string): FunctionDoc | undefined {
  return docs.find((d) => d.name === name);
}

function expectedName(expected: Record<string, unknown>): string {
  return Object.keys(expected)[0] ?? "";
}

function checkParallel(docs: readonly FunctionDoc[], output: DecodedCall[], answers: PossibleAnswer): CallCheck {
  if (output.length !== answers.length) {
    return fail("parallel_function_checker_no_order:wrong_count", `wrong number of calls: ${output.length}, expected ${answers.length}`);
  }
  const matched = new Set<number>();
  for (let i = 0; i < answers.length; i++) {
    const expected = answers[i] as PossibleAnswer[number];
    const doc = findDoc(docs, expectedName(expected));
    let found = false;
    const tried: string[] = [];
    for (let j = 0; j < output.length; j++) {
      if (matched.has(j)) continue;
      const r = checkOneCall(doc, output[j] as DecodedCall, expected);
      if (r.valid) {
        matched.add(j);
        found = true;
        break;
      }
      tried.push(`call ${j}: ${r.errorType}: ${r.error}`);
    }
    if (!found) {
      return fail(
        "parallel_function_checker_no_order:cannot_find_match",
        `no call matches expected call ${i} (${expectedName(expected)}); ${tried.join("; ")}`,
      );
    }
  }
  return OK;
}

function checkMultiple(docs: readonly FunctionDoc[], output: DecodedCall[], answers: PossibleAnswer): CallCheck {
  if (output.length !== answers.length) {
    return fail("multiple_function_checker:wrong_count", `wrong number of calls: ${output.length}, expected ${answers.length}`);
  }
  const expected = answers[0];
  if (expected === undefined) return OK;
  return checkOneCall(findDoc(docs, expectedName(expected)), output[0] as DecodedCall, expected);
}

function checkSimple(docs: readonly FunctionDoc[], output: DecodedCall[], answers: PossibleAnswer): CallCheck {
  if (output.length !== 1) {
    return fail("simple_function_checker:wrong_count", `wrong number of calls: ${output.length}, expected 1`);
  }
  // BFCL checks a simple question's one call against its first doc and first answer, whatever their names
  return checkOneCall(docs[0], output[0] as DecodedCall, answers[0] ?? {});
}

/** Is the category scored by "no call made" (irrelevance, live_irrelevance)? */
export function isIrrelevanceCategory(category: string): boolean {
  return category.includes("irrelevance");
}

/** Is the category scored by "at least one call made" (live_relevance)? */
export function isRelevanceCategory(category: string): boolean {
  return !isIrrelevanceCategory(category) && category.includes("relevance");
}

/** Does the category need a possible answer (every category but the (ir)relevance ones)? */
export function needsPossibleAnswer(category: string): boolean {
  return !isIrrelevanceCategory(category) && !isRelevanceCategory(category);
}

/**
 * Check a model's decoded answer to one BFCL question with BFCL's AST rules.
 * - `functionDocs`: the question's `function` list; `possibleAnswer`: its `ground_truth` (unused, may be null, for
 *   irrelevance and live_relevance).
 * - `category`: BFCL's test category (e.g. `simple_python`, `live_parallel_multiple`); as in BFCL, a name holding
 *   "parallel" is checked as parallel (calls in any order), else one holding "multiple" as multiple, else simple.
 * - `modelOutput`: the decoded calls, `[{function_name: {argument: value}}]`, with BFCL's original names.
 */
export function checkCalls(
  functionDocs: readonly FunctionDoc[],
  modelOutput: unknown,
  possibleAnswer: PossibleAnswer | null | undefined,
  category: string,
): CallCheck {
  if (isIrrelevanceCategory(category)) {
    return isEmptyOutput(modelOutput) ? OK : fail("irrelevance_error:decoder_success", "a function was called where none should be");
  }
  if (isRelevanceCategory(category)) {
    return isEmptyOutput(modelOutput) ? fail("relevance_error:decoder_failed", "no function was called where one should be") : OK;
  }
  if (!isFunctionCallFormat(modelOutput)) {
    return fail("ast_decoder:decoder_wrong_output_format", "the output is not a list of {function_name: {argument: value}}");
  }
  if (possibleAnswer === null || possibleAnswer === undefined) {
    throw new TypeError(`checkCalls: category "${category}" needs a possible answer`);
  }
  if (category.includes("parallel")) return checkParallel(functionDocs, modelOutput, possibleAnswer);
  if (category.includes("multiple")) return checkMultiple(functionDocs, modelOutput, possibleAnswer);
  return checkSimple(functionDocs, modelOutput, possibleAnswer);
}
