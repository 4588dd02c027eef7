"""Webhook payload/headers templates: the behaviour of apify-shared-js ``WebhookPayloadTemplate``.

The cases port ``test/webhook_payload_template.test.ts`` of apify-shared-js and the rules of its
``packages/utilities/src/webhook_payload_template.ts``. The JS tests run without an allowed-variables set; here the set is always enforced, so their
free-form variable names are replaced by allowed ones (``globals`` carries ad-hoc test data).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from mock_apify.model.templates import (
    ALLOWED_VARIABLES,
    DEFAULT_PAYLOAD_TEMPLATE,
    TemplateError,
    jsvalues,
    parse_template,
    render_headers,
    render_payload,
    sample_context,
    substitution,
    validate_headers_template,
    validate_payload_template,
    variables,
)

# apify-shared's test templates (as the JS template literals evaluate).
VALID_JSON = """
{
    "id": "some-id",
    "createdAt": "2019-05-08T15:22:21.095Z",
    "dataToSend": "{{data}}"
}
"""

VALID_TEMPLATE = """
{
    "userId": [{{userId}}],
    "eventType": {{eventType}},
    "createdAt": {{createdAt}},
    "eventData": [{ "tmpl": {{eventData}} }],
    "resource": {{resource}}
}
"""

INVALID_JSON = """
{
    "id": "some-id",
    "createdAt": "2019-05-08T15:22:21.095Z",,
    "dataToSend": "{{data}}"
}
"""

DOT_TEMPLATE = """
{
    "zero": {{resource}},
    "one": {{resource.first}},
    "two": {{resource.first.second}},
    "array": {{globals.array.1.0}}
}
"""


def parse(template: str, context: dict[str, Any] | None = None, *, interpolate: bool = False) -> Any:
    return parse_template(template, context or {}, interpolate_strings=interpolate)


# ---------------------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------------------


def test_allowed_variables_include_globals() -> None:
    assert frozenset({"userId", "createdAt", "eventType", "eventData", "resource", "globals"}) == (
        ALLOWED_VARIABLES
    )


def test_default_template_is_apify_shared_constant() -> None:
    assert DEFAULT_PAYLOAD_TEMPLATE == (
        '{\n    "userId": {{userId}},\n    "createdAt": {{createdAt}},\n    "eventType": {{eventType}},\n'
        '    "eventData": {{eventData}},\n    "resource": {{resource}}\n}'
    )


# ---------------------------------------------------------------------------------------------------------
# Parse phase (apify-shared tests)
# ---------------------------------------------------------------------------------------------------------


def test_template_without_variables_parses_as_json() -> None:
    assert parse(VALID_JSON) == {
        "id": "some-id",
        "createdAt": "2019-05-08T15:22:21.095Z",
        "dataToSend": "{{data}}",
    }


def test_variables_missing_from_context_become_null() -> None:
    assert parse(VALID_TEMPLATE) == {
        "userId": [None],
        "eventType": None,
        "createdAt": None,
        "eventData": [{"tmpl": None}],
        "resource": None,
    }


def test_variables_are_filled_from_context() -> None:
    context = {
        "userId": "some-user-id",
        "eventData": {"status": 200, "body": "hello-world", "messages": [1, 2, 3]},
    }
    assert parse(VALID_TEMPLATE, context) == {
        "userId": ["some-user-id"],
        "eventType": None,
        "createdAt": None,
        "eventData": [{"tmpl": {"status": 200, "body": "hello-world", "messages": [1, 2, 3]}}],
        "resource": None,
    }


def test_default_template_reproduces_the_context() -> None:
    context = {
        "userId": "some-user-id",
        "eventData": {"someData": 1},
        "createdAt": "2019-05-08T15:22:21.095Z",
        "eventType": "ACTOR.RUN.SUCCEEDED",
        "resource": {"someResource": 2},
    }
    assert parse(DEFAULT_PAYLOAD_TEMPLATE, context) == context


def test_falsy_values_render_null_but_empty_containers_do_not() -> None:
    context = {
        "globals": {"zero": 0, "no": False, "empty": "", "none": None, "list": [], "obj": {}, "f": 0.0}
    }
    template = (
        "[{{globals.zero}}, {{globals.no}}, {{globals.empty}}, {{globals.none}}, {{globals.missing}},"
        " {{globals.list}}, {{globals.obj}}, {{globals.f}}]"
    )
    assert parse(template, context) == [None, None, None, None, None, [], {}, None]


def test_exit_code_zero_renders_null_when_unquoted() -> None:
    assert parse('{"exitCode": {{resource.exitCode}}}', {"resource": {"exitCode": 0}}) == {"exitCode": None}


def test_dot_notation_returns_nested_properties_and_array_indexes() -> None:
    context = {
        "resource": {"first": {"second": "r"}},
        "globals": {"array": [False, [True]]},
    }
    assert parse(DOT_TEMPLATE, context) == {
        "zero": {"first": {"second": "r"}},
        "one": {"second": "r"},
        "two": "r",
        "array": True,
    }


def test_dot_notation_gives_null_when_nested_props_are_not_available() -> None:
    context = {"resource": {"foo": "bar"}, "globals": {"array": "hello"}}
    assert parse(DOT_TEMPLATE, context) == {"zero": {"foo": "bar"}, "one": None, "two": None, "array": None}


def test_array_length_and_non_canonical_indexes() -> None:
    context = {"globals": {"list": ["a", "b", "c"]}}
    template = "[{{globals.list.length}}, {{globals.list.2}}, {{globals.list.02}}, {{globals.list.9}}]"
    assert parse(template, context) == [3, "c", None, None]


def test_unknown_variable_raises_with_apify_message() -> None:
    with pytest.raises(TemplateError) as caught:
        parse('{"a": {{userId}}, "b": {{eventTypo.x}}}')
    assert str(caught.value) == "Invalid payload template variable: eventTypo.x"


def test_only_the_first_segment_is_validated() -> None:
    assert parse('{"a": {{resource.whatever.deep.path}}}', {"resource": {}}) == {"a": None}


def test_names_are_not_trimmed() -> None:
    with pytest.raises(TemplateError) as caught:
        parse('{"a": {{ userId }}}', {"userId": "u"})
    assert str(caught.value) == "Invalid payload template variable:  userId "


def test_invalid_json_reports_where_parsing_failed() -> None:
    with pytest.raises(TemplateError) as caught:
        parse(INVALID_JSON)
    assert str(caught.value) == (
        "Invalid JSON in template: Expecting property name enclosed in double quotes at offset 68 "
        "(line 4, column 45)"
    )
    assert caught.value.offset == 68


def test_invalid_json_offset_refers_to_the_original_template() -> None:
    template = '{"a": {{resource}}, "b": ]}'
    with pytest.raises(TemplateError) as caught:
        parse(template, {"resource": {"long": "x" * 50}})
    assert caught.value.offset == template.index("]")


def test_variables_inside_strings_are_left_alone_without_interpolation() -> None:
    template = '\n{\n    "foo": "bar\\"{{foo}}\\"",\n    "bar": {{userId}}\n}\n'
    assert parse(template, {"userId": "u"}) == {"foo": 'bar"{{foo}}"', "bar": "u"}


def test_variable_glued_to_a_quote_is_invalid_json() -> None:
    template = '\n{\n    "foo": "bar"{{userId}}",\n    "bar": {{userId}}\n}\n'
    with pytest.raises(TemplateError, match=r"^Invalid JSON in template: "):
        parse(template)


def test_quote_after_backslash_is_not_counted_like_in_js() -> None:
    # JS counts the closing quote of "C:\\" as escaped, so it thinks {{userId}} is inside a string.
    with pytest.raises(TemplateError, match=r"^Invalid JSON in template: "):
        parse('{"a": "C:\\\\", "b": {{userId}}}', {"userId": "u"})


def test_value_ending_in_backslash_hides_later_variables_like_in_js() -> None:
    template = '{"a": {{userId}}, "b": {{eventType}}}'
    assert parse(template, {"userId": "ok", "eventType": "E"}) == {"a": "ok", "b": "E"}
    with pytest.raises(TemplateError, match=r"^Invalid JSON in template: "):
        parse(template, {"userId": "C:\\", "eventType": "E"})


def test_unterminated_variable_is_an_error() -> None:
    with pytest.raises(TemplateError, match=r"^Unterminated template variable: '\{\{' at offset 6 "):
        parse('{"a": {{userId}')


def test_nan_and_infinity_literals_are_rejected_like_json_parse() -> None:
    with pytest.raises(TemplateError, match="NaN"):
        parse('{"a": NaN}')


def test_globals_variable_is_allowed() -> None:
    context = {"globals": {"dateISO": "2024-01-01T00:00:00.000Z", "dateUnix": 1704067200}}
    assert parse('{"d": {{globals.dateISO}}, "u": {{globals.dateUnix}}, "g": {{globals}}}', context) == {
        "d": "2024-01-01T00:00:00.000Z",
        "u": 1704067200,
        "g": {"dateISO": "2024-01-01T00:00:00.000Z", "dateUnix": 1704067200},
    }


def test_value_holding_braces_is_parsed_then_interpolated_like_in_js() -> None:
    # The stringified value is part of the parsed JSON, so the string phase walks it too.
    context = {"userId": "u1", "eventData": {"note": "{{userId}}"}}
    template = '{"e": {{eventData}}}'
    assert parse(template, context) == {"e": {"note": "{{userId}}"}}
    assert parse(template, context, interpolate=True) == {"e": {"note": "u1"}}


def test_self_expanding_value_is_cut_off() -> None:
    # The quote after "x\\" is not counted, so the variable inside "b" looks unquoted to the JS loop,
    # and the trailing comma keeps the text invalid: JS would expand it forever.
    context = {"resource": {"a": "x\\", "b": "{{resource}}"}}
    assert parse('{"r": {{resource}}}', context) == {"r": context["resource"]}
    with pytest.raises(TemplateError, match="recursively"):
        parse('{"r": {{resource}},}', context)


# ---------------------------------------------------------------------------------------------------------
# String interpolation phase
# ---------------------------------------------------------------------------------------------------------

INTERPOLATION_CONTEXT: dict[str, Any] = {
    "userId": "hello",
    "eventData": {"arrayField": [1, 2, 3], "sparse": [1, None, 3], "flag": True, "off": False, "num": 1.0},
    "resource": {"id": "r1", "exitCode": 0, "nothing": None, "half": 0.5, "huge": 1e21},
}


def test_exact_match_keeps_the_raw_typed_value() -> None:
    template = (
        '{"list": "{{eventData.arrayField}}", "obj": "{{resource}}", "zero": "{{resource.exitCode}}",'
        ' "flag": "{{eventData.flag}}", "null": "{{resource.nothing}}"}'
    )
    assert parse(template, INTERPOLATION_CONTEXT, interpolate=True) == {
        "list": [1, 2, 3],
        "obj": INTERPOLATION_CONTEXT["resource"],
        "zero": 0,
        "flag": True,
        "null": None,
    }


def test_mixed_strings_use_js_string_conversion() -> None:
    template = json.dumps(
        {
            "plain": "bar{{userId}}",
            "object": "This is my object {{resource}}",
            "array": "[{{eventData.arrayField}}]",
            "sparse": "[{{eventData.sparse}}]",
            "null": "n={{resource.nothing}}",
            "missing": "m={{resource.missing}}",
            "bools": "{{eventData.flag}}/{{eventData.off}}",
            "numbers": "{{eventData.num}} {{resource.half}} {{resource.huge}} {{resource.exitCode}}",
        }
    )
    assert parse(template, INTERPOLATION_CONTEXT, interpolate=True) == {
        "plain": "barhello",
        "object": "This is my object [object Object]",
        "array": "[1,2,3]",
        "sparse": "[1,,3]",
        "null": "n=null",
        "missing": "m=undefined",
        "bools": "true/false",
        "numbers": "1 0.5 1e+21 0",
    }


def test_missing_exact_match_drops_the_key_and_is_null_in_arrays() -> None:
    template = (
        '{"gone": "{{resource.missing}}", "kept": "{{resource.missing.deeper}}", "arr": ["{{resource.x}}"]}'
    )
    context = INTERPOLATION_CONTEXT
    assert parse(template, context, interpolate=True) == {"kept": None, "arr": [None]}
    assert render_payload(template, context, interpolate_strings=True) == b'{"kept":null,"arr":[null]}'


def test_missing_exact_match_at_top_level_renders_null() -> None:
    assert parse('"{{resource.missing}}"', INTERPOLATION_CONTEXT, interpolate=True) is None
    assert (
        render_payload('"{{resource.missing}}"', INTERPOLATION_CONTEXT, interpolate_strings=True) == b"null"
    )


def test_object_keys_are_never_interpolated() -> None:
    template = '{"{{userId}}": "{{userId}}", "nested": {"k {{userId}}": ["{{userId}}"]}}'
    assert parse(template, INTERPOLATION_CONTEXT, interpolate=True) == {
        "{{userId}}": "hello",
        "nested": {"k {{userId}}": ["hello"]},
    }


def test_string_phase_validates_variables() -> None:
    template = '{"a": "hi {{userId}} and {{nope.x}}"}'
    assert parse(template, INTERPOLATION_CONTEXT) == {"a": "hi {{userId}} and {{nope.x}}"}
    with pytest.raises(TemplateError) as caught:
        parse(template, INTERPOLATION_CONTEXT, interpolate=True)
    assert str(caught.value) == "Invalid payload template variable: nope.x"


def test_string_phase_only_matches_simple_names() -> None:
    template = '{"a": "{{ userId }}", "b": "{{user-id}}", "c": "{{{userId}}}"}'
    assert parse(template, INTERPOLATION_CONTEXT, interpolate=True) == {
        "a": "{{ userId }}",
        "b": "{{user-id}}",
        "c": "{hello}",
    }


def test_quoted_default_template_matches_the_plain_one() -> None:
    quoted = re.sub(r"(\{\{\w+\}\})", r'"\1"', DEFAULT_PAYLOAD_TEMPLATE)
    context = sample_context()
    assert render_payload(quoted, context, interpolate_strings=True) == render_payload(
        None, context, interpolate_strings=False
    )


# ---------------------------------------------------------------------------------------------------------
# render_payload
# ---------------------------------------------------------------------------------------------------------


def test_render_payload_default_template_like_the_docs_example() -> None:
    context = sample_context()
    expected = {
        "userId": context["userId"],
        "createdAt": context["createdAt"],
        "eventType": "ACTOR.RUN.SUCCEEDED",
        "eventData": context["eventData"],
        "resource": context["resource"],
    }
    for template in (None, "", "  \n"):
        body = render_payload(template, context, interpolate_strings=False)
        assert json.loads(body) == expected
        assert body == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode()
        assert body.startswith(b'{"userId":"7sT5jcggjjA9fNcxF","createdAt":"2019-12-12T07:36:13.541Z",')


def test_render_payload_is_compact_utf8() -> None:
    body = render_payload(
        '{ "a" : [ 1 , "é" ] , "b" : {{userId}} }', {"userId": "ü"}, interpolate_strings=False
    )
    assert body == '{"a":[1,"é"],"b":"ü"}'.encode()


def test_render_payload_writes_numbers_like_javascript() -> None:
    context = {"globals": {"one": 1.0, "small": 1e-7, "big": 1e21, "nan": float("nan"), "neg": -0.0}}
    template = (
        "[{{globals.one}}, {{globals.small}}, {{globals.big}}, {{globals.nan}}, {{globals.neg}}, 2.50, 1e2]"
    )
    assert render_payload(template, context, interpolate_strings=False) == b"[1,1e-7,1e+21,null,null,2.5,100]"
    exact = '["{{globals.one}}", "{{globals.nan}}", "{{globals.neg}}"]'
    assert render_payload(exact, context, interpolate_strings=True) == b"[1,null,0]"


def test_render_payload_orders_integer_keys_first_like_javascript() -> None:
    assert render_payload('{"b": 1, "2": 2, "1": 3, "01": 4}', {}, interpolate_strings=False) == (
        b'{"1":3,"2":2,"b":1,"01":4}'
    )


def test_render_payload_escapes_lone_surrogates() -> None:
    assert render_payload('{"a": "\\ud800x"}', {}, interpolate_strings=False) == b'{"a":"\\ud800x"}'


def test_render_payload_loses_integer_precision_like_javascript() -> None:
    assert render_payload(
        '{"a": 12345678901234567890, "b": 9007199254740993}', {}, interpolate_strings=False
    ) == (b'{"a":12345678901234567000,"b":9007199254740992}')


# ---------------------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------------------


def test_render_headers_object_of_strings() -> None:
    template = '{"X-Run": "{{resource.id}}", "X-Static": "yes", "X-User": {{userId}}}'
    context = sample_context()
    assert render_headers(template, context, interpolate_strings=True) == {
        "X-Run": context["resource"]["id"],
        "X-Static": "yes",
        "X-User": context["userId"],
    }
    assert render_headers(template, context, interpolate_strings=False) == {
        "X-Run": "{{resource.id}}",
        "X-Static": "yes",
        "X-User": context["userId"],
    }


def test_render_headers_empty_template_means_no_headers() -> None:
    assert render_headers(None, sample_context(), interpolate_strings=False) == {}
    assert render_headers("", sample_context(), interpolate_strings=True) == {}


def test_render_headers_drops_null_values() -> None:
    template = '{"X-Task": {{resource.actorTaskId}}, "X-Exit": {{resource.exitCode}}, "X-B": "b"}'
    assert render_headers(template, sample_context(), interpolate_strings=False) == {"X-B": "b"}


def test_render_headers_rejects_non_string_values_naming_the_header() -> None:
    with pytest.raises(TemplateError) as caught:
        render_headers('{"X-Count": 5}', {}, interpolate_strings=False)
    assert str(caught.value) == "Header 'X-Count' must have a string value, not number"
    with pytest.raises(TemplateError, match="'X-Stats' must have a string value, not object"):
        render_headers('{"X-Stats": "{{resource.stats}}"}', sample_context(), interpolate_strings=True)


def test_render_headers_rejects_non_objects() -> None:
    with pytest.raises(TemplateError) as caught:
        render_headers('["X-A", "b"]', {}, interpolate_strings=False)
    assert str(caught.value) == "Headers template must be a JSON object, not array"
    with pytest.raises(TemplateError, match="not null"):
        render_headers("{{resource.nothing}}", {}, interpolate_strings=False)


def test_validate_headers_template() -> None:
    validate_headers_template(None)
    validate_headers_template("")
    validate_headers_template(
        '{"Authorization": "Bearer abc", "X-Run": "{{resource.id}}", "X-T": {{resource.actorTaskId}}}'
    )
    with pytest.raises(TemplateError, match="Invalid header name in headers template: 'Bad Header'"):
        validate_headers_template('{"Bad Header": "x"}')
    with pytest.raises(TemplateError, match="Invalid header name"):
        validate_headers_template('{"": "x"}')
    with pytest.raises(TemplateError, match="'X-A' has a control character"):
        validate_headers_template('{"X-A": "a\\r\\nInjected: yes"}')
    with pytest.raises(TemplateError, match="'X-Exit' must have a string value, not number"):
        validate_headers_template('{"X-Exit": "{{resource.exitCode}}"}')
    with pytest.raises(TemplateError, match="Invalid payload template variable: nope"):
        validate_headers_template('{"X-A": {{nope}}}')
    with pytest.raises(TemplateError, match="must be a JSON object, not string"):
        validate_headers_template('"x"')


# ---------------------------------------------------------------------------------------------------------
# Validation and the sample context
# ---------------------------------------------------------------------------------------------------------


def test_validate_payload_template() -> None:
    validate_payload_template(None)
    validate_payload_template("")
    validate_payload_template(DEFAULT_PAYLOAD_TEMPLATE)
    validate_payload_template('{"run": {{resource.id}}, "when": "{{globals.dateISO}}", "n": 1}')
    with pytest.raises(TemplateError, match=r"^Invalid payload template variable: resourse$"):
        validate_payload_template('{"r": {{resourse}}}')
    with pytest.raises(TemplateError, match=r"^Invalid JSON in template: "):
        validate_payload_template('{"r": {{resource}},}')


def test_validate_payload_template_checks_strings_in_both_modes_by_default() -> None:
    template = '{"msg": "run {{resourse.id}} done"}'
    with pytest.raises(TemplateError, match=r"Invalid payload template variable: resourse\.id$"):
        validate_payload_template(template)
    validate_payload_template(template, interpolate_strings=False)
    with pytest.raises(TemplateError):
        validate_payload_template(template, interpolate_strings=True)


def test_sample_context_is_realistic_and_fresh() -> None:
    context = sample_context()
    assert set(context) == ALLOWED_VARIABLES
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", context["createdAt"])
    assert context["eventType"] == "ACTOR.RUN.SUCCEEDED"
    resource = context["resource"]
    assert context["eventData"] == {"actorId": resource["actId"], "actorRunId": resource["id"]}
    assert (resource["status"], resource["exitCode"]) == ("SUCCEEDED", 0)
    assert all(re.fullmatch(r"[a-zA-Z0-9]{17}", resource[key]) for key in ("id", "actId", "defaultDatasetId"))
    assert set(context["globals"]) == {"dateISO", "dateUnix"}
    context["resource"]["status"] = "changed"
    assert sample_context()["resource"]["status"] == "SUCCEEDED"


# ---------------------------------------------------------------------------------------------------------
# Large and pathological templates
# ---------------------------------------------------------------------------------------------------------


def test_two_thousand_variables() -> None:
    context = sample_context()
    parts = [f'"k{i}": {{{{resource.id}}}}, "s{i}": "{{{{eventType}}}}"' for i in range(1000)]
    template = "{" + ", ".join(parts) + "}"
    result = parse(template, context)
    assert len(result) == 2000
    assert result["k999"] == context["resource"]["id"]
    assert result["s999"] == "{{eventType}}"
    interpolated = parse(template, context, interpolate=True)
    assert interpolated["s0"] == "ACTOR.RUN.SUCCEEDED"


def test_many_large_values() -> None:
    context = sample_context()
    template = "[" + ",".join(["{{resource}}"] * 1200) + "]"  # just under the 1 MiB payload limit
    body = render_payload(template, context, interpolate_strings=False)
    assert json.loads(body) == [context["resource"]] * 1200


def test_many_variables_after_a_syntax_error() -> None:
    template = (
        '{"a": 1,, '
        + ", ".join(f'"k{i}": {{{{userId}}}}, "s{i}": "{{{{userId}}}}"' for i in range(2000))
        + "}"
    )
    with pytest.raises(TemplateError) as caught:
        parse(template, {"userId": "u"})
    assert caught.value.offset == 8


# ---------------------------------------------------------------------------------------------------------
# Differential test against a direct port of the JS loop (re-parse after every variable)
# ---------------------------------------------------------------------------------------------------------


def _reference(template: str, context: dict[str, Any]) -> tuple[str, Any]:
    """apify-shared's ``_parse`` loop, written naively; unterminated variables as the module reports them."""

    def outside(text: str, index: int) -> bool:
        count = sum(1 for i in range(index) if text[i] == '"' and (i == 0 or text[i - 1] != "\\"))
        return count % 2 == 0

    payload, cursor = template, 0
    while True:
        ok, value, _, _ = substitution._json_parse(payload)
        if ok:
            return "ok", jsvalues.to_python(value)
        start = payload.find("{{", cursor)
        close = payload.find("}}", start) if start != -1 else -1
        if close == -1:
            while start != -1:
                if outside(payload, start):
                    return "unterminated", None
                start = payload.find("{{", start + 1)
            return "invalid-json", None
        if outside(payload, start):
            name = payload[start + 2 : close]
            if name.split(".")[0] not in ALLOWED_VARIABLES:
                return "variable", name
            value = variables.lookup(context, name)
            replacement = jsvalues.js_stringify(value) if jsvalues.js_truthy(value) else "null"
            payload = payload[:start] + replacement + payload[close + 2 :]
        cursor = start + 1


def _outcome(template: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", parse_template(template, context, interpolate_strings=False)
    except TemplateError as error:
        message = str(error)
        if message.startswith("Invalid payload template variable: "):
            return "variable", message.removeprefix("Invalid payload template variable: ")
        if message.startswith("Unterminated"):
            return "unterminated", None
        assert message.startswith("Invalid JSON in template: "), message
        return "invalid-json", None


FUZZ_PIECES = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    '"',
    "\\",
    '"a"',
    '"k": ',
    '"x\\\\"',
    '\\"',
    "{{userId}}",
    "{{resource}}",
    "{{eventData}}",
    "{{eventData.n}}",
    "{{globals.tricky}}",
    "{{globals.braces}}",
    "{{eventType}}",
    "{{bad}}",
    "{{",
    "}}",
    "null",
    "1",
    "true",
    "\n",
]

FUZZ_CONTEXT: dict[str, Any] = {
    "userId": "u1",
    "resource": {"id": "r", "list": [1, "two"], "msg": 'say "hi"'},
    "eventData": {"n": 0, "s": "{"},
    "eventType": "C:\\",
    "globals": {"tricky": 'a\\"b', "braces": "x {{userId}} }}"},
}


def _random_valid_template(rng: random.Random, depth: int = 0) -> str:
    """Random JSON with variables as values and inside strings."""
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(
            [
                "{{userId}}",
                "{{resource}}",
                "{{eventData.n}}",
                '"s {{userId}}"',
                "1",
                '"x"',
                "{{globals.tricky}}",
            ]
        )
    if roll < 0.65:
        items = [_random_valid_template(rng, depth + 1) for _ in range(rng.randint(0, 4))]
        return "[" + ", ".join(items) + "]"
    items = [f'"k{i}": {_random_valid_template(rng, depth + 1)}' for i in range(rng.randint(0, 4))]
    return "{" + ", ".join(items) + "}"


def test_matches_the_naive_js_loop_on_random_templates() -> None:
    rng = random.Random(20240611)
    outcomes: set[str] = set()
    for round_number in range(4000):
        if round_number % 2:
            template = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 14)))
        else:
            template = _random_valid_template(rng)
        expected = _reference(template, FUZZ_CONTEXT)
        assert _outcome(template, FUZZ_CONTEXT) == expected, template
        outcomes.add(expected[0])
    assert outcomes == {"ok", "variable", "unterminated", "invalid-json"}


def test_the_default_template_renders_on_the_loop_and_long_ones_in_the_worker() -> None:
    """A webhook created without a template stores Apify's default one; it is short work, so its
    attempts skip the renderer thread, while a long template still goes there."""
    from mock_apify.model import events, templates

    assert events.quick_to_render(
        {"payloadTemplate": templates.DEFAULT_PAYLOAD_TEMPLATE, "headersTemplate": None}
    )
    assert not events.quick_to_render({"payloadTemplate": "{{resource}}" * 100, "headersTemplate": None})
