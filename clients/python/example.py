"""Runs a Parley workflow end to end from the terminal, printing every message.

    python3 example.py                                  # greet; asks you on stdin
    python3 example.py --answers Ada good               # greet; answers given up front
    python3 example.py --workflow pick_toppings --answers "cheese,basil"
    PARLEY_URL=http://localhost:8008 PARLEY_API_KEY=... python3 example.py

Answers are used in the order the questions come; when they run out, the next answer is read
from stdin. A single-choice answer may be the choice or its number; a multi-select answer is a
comma-separated list (empty for none).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import List, Optional

from parley_client import Answer, Json, ParleyClient, ParleyError


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run a Parley workflow and answer its questions.")
    parser.add_argument("--url", default=os.environ.get("PARLEY_URL", "http://localhost:8008"), help="server URL (env PARLEY_URL)")
    parser.add_argument("--api-key", default=os.environ.get("PARLEY_API_KEY"), help="API key (env PARLEY_API_KEY)")
    parser.add_argument("--workflow", default="greet", help="workflow name (default: greet)")
    parser.add_argument("--params", default="{}", help='params as JSON, e.g. \'{"greeting": "Hi"}\'')
    parser.add_argument("--answers", nargs="*", default=[], help="answers to the questions, in order")
    args = parser.parse_args(argv)

    try:
        params = json.loads(args.params)
    except ValueError as error:
        parser.error(f"--params is not JSON: {error}")
    client = ParleyClient(args.url, api_key=args.api_key)
    answers = _Answers(args.answers)
    try:
        run = client.create_run(args.workflow, params)
        print(f"run {run['id']} ({run['workflow']}) started")
        for message in client.follow(run["id"]):
            print(_describe(message))
            if message["type"] in ("text_input", "multiple_choice"):
                answer = _answer_for(message, answers)
                if answer is None:
                    print("no answer available (stdin closed); cancelling the run", file=sys.stderr)
                    client.cancel_run(run["id"])
                    continue
                client.reply(run["id"], message["id"], answer)
        final = client.get_run(run["id"])
    except ParleyError as error:
        print(f"error: {error}", file=sys.stderr)
        for field_error in error.errors:
            print(f"  {field_error.get('field')}: {field_error.get('message')}", file=sys.stderr)
        return 1
    outcome = final["result"] if final["status"] == "completed" else (final["error"] or {}).get("short")
    print(f"run {final['status']}" + (f": {outcome}" if outcome else ""))
    return 0 if final["status"] == "completed" else 1


class _Answers:
    """The answers from the command line, then lines typed on stdin (None once stdin is closed)."""

    def __init__(self, given: List[str]) -> None:
        self._given = list(given)

    def next(self, password: bool = False) -> Optional[str]:
        if self._given:
            return self._given.pop(0)
        try:
            # A password question is not echoed when a person is typing it.
            return getpass.getpass("> ") if password and sys.stdin.isatty() else input("> ")
        except EOFError:
            return None


def _answer_for(question: Json, answers: _Answers) -> Optional[Answer]:
    """Turns the next answer into what the question takes, asking again while it does not fit."""
    content = question["content"]
    while True:
        line = answers.next(password=question["type"] == "text_input" and content["password"])
        if line is None:
            return None
        if question["type"] == "text_input":
            return line
        choices: List[str] = content["choices"]
        line = line.strip()
        if content["single"]:
            if not line and content.get("default"):
                return content["default"]
            choice = _choice(line, choices)
            if choice is not None:
                return choice
        else:
            picked = [_choice(part.strip(), choices) for part in line.split(",") if part.strip()]
            if None not in picked:
                return [choice for choice in picked if choice is not None]
        print(f"  please answer with {'one' if content['single'] else 'any'} of: {', '.join(choices)}", file=sys.stderr)


def _choice(text: str, choices: List[str]) -> Optional[str]:
    """A choice by its text or its 1-based number."""
    if text in choices:
        return text
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    return None


def _describe(message: Json) -> str:
    """One line (or a few) per message, by type."""
    content = message["content"]
    who = f"{message['sender'] or 'workflow'}" + (f" → {message['recipient']}" if message["recipient"] else "")
    kind = message["type"]
    prefix = f"[{message['seq']}] {who}:"
    if kind == "workflow_started":
        return f"{prefix} started {content['name']} with {json.dumps(content['params'])}"
    if kind == "text_message":
        return f"{prefix} {content['body']}"
    if kind == "system_message":
        return f"{prefix} (system) {json.dumps(content['message'])}"
    if kind == "suggested_function_call":
        return f"{prefix} wants to call {content['function_name']}({json.dumps(content['arguments'])})"
    if kind == "function_call_execution":
        return f"{prefix} {content['function_name']} returned {json.dumps(content['retval'])}"
    if kind == "text_input":
        hint = f" (suggestions: {', '.join(content['suggestions'])})" if content["suggestions"] else ""
        return f"{prefix} {content['prompt']}{hint}" + (" [hidden]" if content["password"] else "")
    if kind == "multiple_choice":
        numbered = ", ".join(f"{index}) {choice}" for index, choice in enumerate(content["choices"], start=1))
        how = "pick one" if content["single"] else "pick any, comma-separated"
        return f"{prefix} {content['prompt']} [{numbered}] ({how})"
    if kind == "reply":
        return f"{prefix} answered {json.dumps(content['answer'])}"
    if kind == "error":
        return f"{prefix} ERROR {content['short']}" + (f"\n{content['long']}" if content["long"] else "")
    if kind == "workflow_completed":
        return f"{prefix} finished: {content['result']}"
    return f"{prefix} ({kind}) {json.dumps(content)}"


if __name__ == "__main__":
    sys.exit(main())
