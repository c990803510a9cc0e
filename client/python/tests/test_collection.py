"""Labels, lookup, list and watch_compiles against the real gateway and
simulator, started per test: labels given at start come back everywhere,
a request_id finds its compile, lists are newest first over pages and
filter by flow, state, labels and time, and list-then-watch keeps a cache
equal to a fresh list, through cut connections, every event once."""

from __future__ import annotations

import asyncio
import datetime
import signal
import threading
from pathlib import Path
from typing import Dict, List

import grpc
import pytest

import cxone_compile
from cxone_compile import State
from cxone_compile.aio import AsyncClient
from conftest import CHATTY_SERVER_ARGS, CHATTY_SIM_ARGS, DEFAULT_SERVER_ARGS, DEFAULT_SIM_ARGS
from harness import wait_until

WAIT = 60.0
# Heartbeats every 300 ms: a watch_compiles with markers wakes up often,
# and bookmarks carry its cursor soon after the events it skipped.
QUICK_HEARTBEATS = DEFAULT_SERVER_ARGS + ("--heartbeat-interval=300ms",)
CHECKOUT = {"pipeline": "checkout", "example.com/team": "ivr"}


def names(compiles) -> List[str]:
    return [c.name for c in compiles]


def wait_all_terminal(client: cxone_compile.Client, started) -> None:
    for compile_ in started:
        for event in client.watch(compile_.name, timeout=WAIT):
            pass


def test_labels_given_at_start_come_back_on_get_and_list(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("labelled", labels=CHECKOUT)
        assert dict(started.labels) == CHECKOUT
        assert dict(client.get(started.name).labels) == CHECKOUT
        (listed,) = client.list()
        assert listed.name == started.name
        assert dict(listed.labels) == CHECKOUT
        finished = client.start_and_wait("labelled-2", labels={"pipeline": "nightly"},
                                         timeout=WAIT)
        assert dict(finished.labels) == {"pipeline": "nightly"}
        assert dict(client.get(finished.name).labels) == {"pipeline": "nightly"}


def test_a_bad_label_is_invalid_argument_naming_it(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.InvalidArgumentError) as got:
            client.start("main-menu", labels={"bad key!": "x"})
    assert "bad key!" in got.value.message


def test_a_request_ids_labels_are_part_of_its_first_call(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        client.start("main-menu", request_id="py-labels-1", labels={"pipeline": "a"})
        with pytest.raises(cxone_compile.AlreadyExistsError):
            client.start("main-menu", request_id="py-labels-1", labels={"pipeline": "b"})


def test_lookup_finds_the_compile_a_request_id_started(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("main-menu", request_id="py-lookup-1", labels=CHECKOUT)
        found = client.lookup("py-lookup-1", timeout=WAIT)
        assert found.name == started.name
        assert dict(found.labels) == CHECKOUT
        # As it is now, not as it was: after the end, the final state.
        result = client.start_and_wait("main-menu", request_id="py-lookup-1",
                                       labels=CHECKOUT, timeout=WAIT)
        assert result.name == started.name
        assert client.lookup("py-lookup-1").state == result.state == State.COMPLETED


def test_lookup_of_an_unknown_key_is_not_found(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.NotFoundError) as got:
            client.lookup("py-never-used")
        assert got.value.code == grpc.StatusCode.NOT_FOUND
        assert got.value.message
        with pytest.raises(cxone_compile.InvalidArgumentError):
            client.lookup("")


def test_list_is_newest_first_over_several_pages(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = [client.start(f"list-flow-{i}") for i in range(5)]
        newest_first = list(reversed(names(started)))
        assert names(client.list(page_size=2)) == newest_first

        first = client.list_page(page_size=2)
        assert names(first.compiles) == newest_first[:2]
        assert first.next_page_token
        assert first.revision >= max(c.revision for c in started) > 0
        pages = [first]
        while pages[-1].next_page_token:
            pages.append(client.list_page(page_size=2, page_token=pages[-1].next_page_token))
        assert [len(p.compiles) for p in pages] == [2, 2, 1]
        assert [n for p in pages for n in names(p.compiles)] == newest_first


def test_a_filter_selects_by_flow_labels_state_and_time(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        checkout_a = client.start("checkout-a", labels={"pipeline": "checkout"})
        nightly = client.start("nightly", labels={"pipeline": "nightly"})
        checkout_b = client.start("checkout-b", labels={"pipeline": "checkout", "team": "ivr"})
        plain = client.start("plain")
        everything = [plain, checkout_b, nightly, checkout_a]  # newest first

        def listed(**filter_) -> List[str]:
            return names(client.list(page_size=1, **filter_))

        assert listed(label_selector="pipeline=checkout") == names([checkout_b, checkout_a])
        assert listed(label_selector="pipeline in (checkout,nightly),team") == [
            checkout_b.name]
        assert listed(label_selector="!pipeline") == [plain.name]
        assert listed(label_selector="pipeline!=checkout") == names([plain, nightly])
        assert listed(flow_ids=["nightly", "plain"]) == names([plain, nightly])
        assert listed(flow_ids=["nightly", "checkout-a"],
                      label_selector="pipeline=checkout") == [checkout_a.name]
        # Create times: a Timestamp (a compile's own) or an aware datetime.
        assert listed(create_time_from=checkout_b.create_time) == names([plain, checkout_b])
        before_b = checkout_b.create_time.ToDatetime(datetime.timezone.utc)
        assert listed(create_time_to=before_b) == names([nightly, checkout_a])
        with pytest.raises(ValueError, match="timezone-aware"):
            client.list_page(create_time_from=datetime.datetime.now())

        wait_all_terminal(client, everything)
        assert listed(states=[State.COMPLETED]) == names(everything)
        assert listed(states=[State.QUEUED, State.IN_PROGRESS]) == []
        with pytest.raises(cxone_compile.InvalidArgumentError, match="label_selector"):
            client.list_page(label_selector="a in (")


def test_a_page_is_retried_while_the_gateway_is_down(stack, client_log):
    with cxone_compile.Client(stack.gateway.address) as client:
        started = client.start("main-menu")
    stack.gateway.stop(signal.SIGKILL)
    outcome: Dict[str, object] = {}

    def list_first_page() -> None:
        with cxone_compile.Client(
            stack.gateway.address,
            list_retry=cxone_compile.ListRetry(initial_delay=0.05, max_delay=0.5,
                                               max_attempts=1000),
        ) as client:
            try:
                outcome["page"] = client.list_page(timeout=WAIT)
            except cxone_compile.GatewayError as error:  # pragma: no cover
                outcome["error"] = error

    lister = threading.Thread(target=list_first_page)
    lister.start()
    try:
        wait_until(lambda: client_log.count("ListCompiles failed (UNAVAILABLE") >= 2, 20,
                   "the client to retry the page while the gateway is down")
        stack.gateway.restart()
    finally:
        lister.join(WAIT)
    assert not lister.is_alive()
    assert "error" not in outcome, outcome
    assert names(outcome["page"].compiles) == [started.name]  # type: ignore[attr-defined]


def apply(cache: Dict[str, cxone_compile.Compile],
          message: cxone_compile.WatchCompilesResponse) -> None:
    cache[message.compile.name] = message.compile


def test_list_then_watch_compiles_keeps_a_cache_equal_to_a_fresh_list(start_stack):
    stack = start_stack(DEFAULT_SIM_ARGS, QUICK_HEARTBEATS)
    with cxone_compile.Client(stack.gateway.address) as client:
        for i in range(3):
            client.start(f"informer-{i}")
        first = client.list_page(page_size=2)
        cache = {c.name: c for c in first.compiles}
        token = first.next_page_token
        while token:
            page = client.list_page(page_size=2, page_token=token)
            cache.update({c.name: c for c in page.compiles})
            token = page.next_page_token
        assert len(cache) == 3
        # Started after the list: the watch brings them.
        for i in range(3, 6):
            client.start(f"informer-{i}")
        seen: List[int] = []
        fresh = None
        for message in client.watch_compiles(after_revision=first.revision,
                                             include_markers=True, timeout=WAIT):
            if message.HasField("compile"):
                seen.append(message.event.revision)
                apply(cache, message)
            if fresh is None and len(cache) == 6 and all(
                    State(c.state).terminal for c in cache.values()):
                fresh = client.list_page(page_size=1000)
            if fresh is not None and message.resume_after_revision >= fresh.revision:
                break
    assert fresh is not None
    assert {n: c.SerializeToString(deterministic=True) for n, c in cache.items()} == {
        c.name: c.SerializeToString(deterministic=True) for c in fresh.compiles}
    # Every event after the list's revision exactly once, in order: no
    # filter, so every event of the gateway.
    assert seen == list(range(first.revision + 1, fresh.revision + 1))


def test_watch_compiles_sends_only_what_matches_and_hides_markers(start_stack):
    stack = start_stack(DEFAULT_SIM_ARGS, QUICK_HEARTBEATS)
    with cxone_compile.Client(stack.gateway.address) as client:
        revision = client.list_page().revision
        wanted = [client.start("checkout-a", labels={"pipeline": "checkout"}),
                  client.start("nightly", labels={"pipeline": "nightly"}),
                  client.start("checkout-b", labels={"pipeline": "checkout"})]
        del wanted[1]
        cache: Dict[str, cxone_compile.Compile] = {}
        flows: List[str] = []
        for message in client.watch_compiles(label_selector="pipeline=checkout",
                                             after_revision=revision, timeout=WAIT):
            assert message.HasField("compile"), message  # markers hidden
            flows.append(message.compile.flow_id)
            apply(cache, message)
            if len(cache) == 2 and all(State(c.state).terminal for c in cache.values()):
                break
    assert set(flows) == {"checkout-a", "checkout-b"}
    assert sorted(cache) == sorted(names(wanted))


def test_watch_compiles_survives_cut_connections_missing_and_repeating_nothing(
    start_stack, proxy_to, client_log
):
    stack = start_stack(CHATTY_SIM_ARGS, CHATTY_SERVER_ARGS)
    proxy = proxy_to(stack.gateway.port)
    seen: List[int] = []
    with cxone_compile.Client(f"127.0.0.1:{proxy.port}") as client:
        revision = client.list_page().revision
        started = client.start("chatty")
        watch = client.watch_compiles(flow_ids=["chatty"], after_revision=revision,
                                      timeout=WAIT)
        for message in watch:
            seen.append(message.event.revision)
            assert message.compile.name == started.name
            if len(seen) in (4, 12):
                proxy.break_all()
            if State(message.compile.state).terminal:
                break
        watch.close()
    assert len(seen) > 12, seen
    assert proxy.accepted >= 3  # the first connection and two more
    assert client_log.count("WatchCompiles stream broke") >= 2, client_log.messages
    # One compile's events, all matching: consecutive revisions.
    assert seen == list(range(revision + 1, revision + 1 + len(seen)))


def test_watch_compiles_behind_the_history_raises_out_of_range(start_stack, client_log):
    stack = start_stack(DEFAULT_SIM_ARGS, DEFAULT_SERVER_ARGS + ("--collection-history=3",))
    with cxone_compile.Client(stack.gateway.address) as client:
        for i in range(3):
            client.start(f"history-{i}")
        wait_until(lambda: client.list_page().revision >= 5, 30, "five events")
        with pytest.raises(cxone_compile.OutOfRangeError) as got:
            next(client.watch_compiles(after_revision=0, timeout=WAIT))
    assert "list again" in got.value.message
    assert client_log.count("reconnecting") == 0


def test_the_async_client_lists_looks_up_and_watches_compiles(start_stack):
    stack = start_stack(DEFAULT_SIM_ARGS, QUICK_HEARTBEATS)

    async def run() -> None:
        async with AsyncClient(stack.gateway.address) as client:
            first = await client.start("async-a", request_id="py-async-1", labels=CHECKOUT)
            second = await client.start("async-b")
            assert (await client.lookup("py-async-1")).name == first.name
            with pytest.raises(cxone_compile.NotFoundError):
                await client.lookup("py-async-unknown")
            listed = [c async for c in client.list(page_size=1)]
            assert names(listed) == names([second, first])
            assert dict(listed[1].labels) == CHECKOUT
            page = await client.list_page(label_selector="pipeline=checkout")
            assert names(page.compiles) == [first.name]
            cache = {c.name: c for c in page.compiles}
            async for message in client.watch_compiles(
                    label_selector="pipeline=checkout", after_revision=page.revision,
                    timeout=WAIT):
                apply(cache, message)
                if State(cache[first.name].state).terminal:
                    break
            assert cache[first.name].state == State.COMPLETED
            assert set(cache) == {first.name}

    asyncio.run(run())


def readme_blocks() -> List[str]:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    return [block.split("```", 1)[0] for block in readme.split("```python\n")[1:]]


def test_the_readme_lookup_list_and_informer_snippets_run_as_written(stack, capsys):
    # The first is the deploy step test_gateway runs, the third the batch
    # test_batch runs; the fifth (TLS and tokens) test_tls checks.
    _, finding, _, informer = readme_blocks()[:4]
    with cxone_compile.Client(stack.gateway.address) as client:
        exec(compile(finding, "README.md", "exec"), {"client": client, "State": State})
        started = client.lookup("deploy-1234")
        assert dict(started.labels) == {"pipeline": "checkout", "commit": "3f2a9c"}
        running = client.start("second-checkout", labels={"pipeline": "checkout"})

        class UntilSecondEnds:
            """The client, with a watch_compiles that ends once the second
            compile has (the README's runs for ever)."""

            def __getattr__(self, name: str):
                return getattr(client, name)

            def watch_compiles(self, **kwargs):
                for change in client.watch_compiles(timeout=WAIT, **kwargs):
                    yield change
                    if change.compile.name == running.name and State(
                            change.compile.state).terminal:
                        return

        scope = {"client": UntilSecondEnds(), "cxone_compile": cxone_compile}
        exec(compile(informer, "README.md", "exec"), scope)
        cache = scope["cache"]
        assert set(cache) == {started.name, running.name}
        assert cache[running.name].state == State.COMPLETED
        assert cache[running.name] == client.get(running.name)
