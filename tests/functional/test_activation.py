"""Every way of activating kmsmock: decorators (sync, async, generator, class, TestCase),
the context manager, start/stop, nesting, and the usage errors that guard them."""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
import unittest
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from conftest import error_of
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import DEFAULT_ACCOUNT_ID, KmsMock, KmsMockUsageError, mock_kms

REGION = "us-east-1"
OTHER_ACCOUNT = "111122223333"


def served() -> bool:
    """Whether a KMS request is answered in-process right now: the probe's endpoint is
    unroutable, so only an active mock can answer it."""
    probe = boto3.client(
        "kms",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKIDPROBEPROBEPROBE0",
        aws_secret_access_key="probe-secret",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    try:
        probe.list_keys()
    except EndpointConnectionError:
        return False
    return True


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


def new_client() -> BaseClient:
    return boto3.client("kms", region_name=REGION)


def key_count() -> int:
    return len(new_client().list_keys()["Keys"])


@pytest.fixture(autouse=True)
def no_mock_around_the_test() -> Iterator[None]:
    """These tests activate mocks themselves: none may be active before or after."""
    before = environment()
    yield
    assert environment() == before
    assert not served()


# -- function decorators ---------------------------------------------------------------------


@mock_kms
def create_one_key() -> tuple[int, bool]:
    new_client().create_key()
    return key_count(), served()


def test_bare_decorator_activates_a_fresh_mock_for_each_call() -> None:
    assert create_one_key() == (1, True)
    assert create_one_key() == (1, True)  # the first call's key is gone
    assert not served()


def test_decorator_keeps_the_function_name_and_signature() -> None:
    def original(a: int, *, b: str = "x") -> None: ...

    wrapped = mock_kms(original)
    assert wrapped.__name__ == "original"
    assert inspect.signature(wrapped) == inspect.signature(original)


def test_decorator_stops_the_mock_when_the_function_raises() -> None:
    @mock_kms
    def failing() -> None:
        assert served()
        raise LookupError("from the test")

    with pytest.raises(LookupError, match="from the test"):
        failing()
    assert not served()


def test_decorator_on_an_async_function() -> None:
    @mock_kms
    async def create_and_count() -> tuple[int, bool]:
        client = new_client()
        client.create_key()
        await asyncio.sleep(0)
        return len(client.list_keys()["Keys"]), served()

    assert inspect.iscoroutinefunction(create_and_count)
    assert asyncio.run(create_and_count()) == (1, True)
    assert asyncio.run(create_and_count()) == (1, True)
    assert not served()


def test_concurrent_decorated_coroutines_restore_the_environment_whatever_order_they_end() -> None:
    """The first coroutine to start ends first, while the second is still active: the mock
    stays active until both have ended, and the environment comes back after the last."""
    ended: list[bool] = []

    @mock_kms
    async def short() -> None:
        await asyncio.sleep(0.01)
        ended.append(served())

    @mock_kms
    async def long() -> None:
        await asyncio.sleep(0.05)
        ended.append(served())

    async def both() -> None:
        await asyncio.gather(short(), long())

    asyncio.run(both())
    assert ended == [True, True]
    assert not served()


def test_decorator_on_a_generator_keeps_the_mock_active_while_it_is_consumed() -> None:
    @mock_kms
    def keys() -> Iterator[int]:
        client = new_client()
        for _ in range(3):
            client.create_key()
            yield len(client.list_keys()["Keys"])

    generator = keys()
    assert not served()  # nothing runs until the generator is consumed
    assert list(generator) == [1, 2, 3]
    assert not served()


def test_decorator_with_an_account_id() -> None:
    @mock_kms(account_id=OTHER_ACCOUNT)
    def create() -> dict[str, Any]:
        metadata: dict[str, Any] = new_client().create_key()["KeyMetadata"]
        return metadata

    metadata = create()
    assert metadata["AWSAccountId"] == OTHER_ACCOUNT
    assert metadata["Arn"] == f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/{metadata['KeyId']}"


def test_default_account() -> None:
    with mock_kms() as kms:
        metadata = new_client().create_key()["KeyMetadata"]
    assert kms.account_id == DEFAULT_ACCOUNT_ID == "123456789012"
    assert metadata["AWSAccountId"] == DEFAULT_ACCOUNT_ID
    assert metadata["Arn"].startswith(f"arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT_ID}:key/")


# -- class decorators ------------------------------------------------------------------------


def test_class_decorator_gives_each_test_method_a_fresh_mock() -> None:
    class Base:
        def test_inherited(self) -> int:
            new_client().create_key()
            return key_count()

    def helper(self: Any) -> bool:
        return served()

    class Suite(Base):
        test_data = [1, 2]  # a test* attribute that is not a method: left alone
        helper_method = helper

        def test_one(self) -> int:
            new_client().create_key()
            new_client().create_key()
            return key_count()

        def test_two(self) -> int:
            return key_count()

        @staticmethod
        def test_static() -> int:
            new_client().create_key()
            return key_count()

        @classmethod
        def test_class(cls) -> str:
            return cls.__name__

    decorated = mock_kms(Suite)
    assert decorated is Suite
    suite = Suite()
    assert suite.test_one() == 2
    assert suite.test_two() == 0  # test_one's keys are gone
    assert suite.test_inherited() == 1
    assert Suite.test_static() == 1
    assert Suite.test_class() == "Suite"
    assert Suite.test_data == [1, 2]
    assert vars(Suite)["helper_method"] is helper  # non-test methods untouched
    assert suite.helper_method() is False  # and run without a mock
    assert vars(Base)["test_inherited"] is not Suite.test_inherited  # base class untouched
    assert not served()


@mock_kms
class TestDecoratedPytestClass:
    """Collected by pytest: the wrapped methods still receive fixtures."""

    def test_first(self, tmp_path: Path) -> None:
        assert tmp_path.is_dir()
        new_client().create_key()
        assert key_count() == 1

    def test_second(self) -> None:
        new_client().create_key()
        assert key_count() == 1


def test_setup_method_the_test_and_teardown_method_share_one_mock_when_called_directly() -> None:
    """As pytest calls them (tests/plugin/test_class_decorator.py runs them with pytest)."""
    seen: list[tuple[str, Any]] = []

    @mock_kms
    class Suite:
        def __eq__(self, other: object) -> bool:  # unhashable instances
            return isinstance(other, Suite)

        def setup_method(self, method: Any) -> None:
            self.key_id = new_client().create_key()["KeyMetadata"]["KeyId"]
            seen.append(("setup_method", method.__name__))

        def teardown_method(self, method: Any) -> None:
            seen.append(("teardown_method", (key_count(), served())))

        def test_one(self) -> int:
            new_client().create_key()
            return key_count()

    suite = Suite()
    suite.setup_method(Suite.test_one)
    assert served()  # from setup_method until teardown_method
    assert suite.test_one() == 2  # setup_method's key and its own
    suite.teardown_method(Suite.test_one)
    assert not served()
    assert seen == [("setup_method", "test_one"), ("teardown_method", (2, True))]
    # Without setup_method, a test runs in a fresh mock of its own.
    assert Suite().test_one() == 1
    assert not served()


def test_a_test_called_without_setup_method_gets_a_fresh_mock() -> None:
    @mock_kms
    class Suite:
        def setup_method(self) -> None:
            raise AssertionError("not called")

        def test_count(self) -> tuple[int, bool]:
            new_client().create_key()
            return key_count(), served()

    assert Suite().test_count() == (1, True)
    assert Suite().test_count() == (1, True)
    assert not served()


def test_the_mock_of_setup_method_stops_when_setup_method_or_teardown_method_raises() -> None:
    @mock_kms
    class Suite:
        fail_in = ""

        def setup_method(self) -> None:
            new_client().create_key()
            if self.fail_in == "setup_method":
                raise LookupError("setup_method failed")

        def teardown_method(self) -> None:
            assert served()
            if self.fail_in == "teardown_method":
                raise LookupError("teardown_method failed")

        def test_nothing(self) -> None: ...

    for where in ("setup_method", "teardown_method"):
        suite = Suite()
        suite.fail_in = where
        with pytest.raises(LookupError, match=f"^{where} failed$"):
            suite.setup_method()
            suite.test_nothing()
            suite.teardown_method()
        assert not served()
        assert vars(suite) == {"fail_in": where}  # nothing of kmsmock's on the instance


def test_method_hooks_keep_the_argument_count_pytest_reads() -> None:
    """pytest passes the test method to setup_method/teardown_method only if their code takes
    a second positional argument (it reads __code__.co_argcount, not the signature), and the
    class to setup_class/teardown_class only if theirs takes one."""

    @mock_kms
    class Suite:
        def setup_method(self) -> None: ...

        def teardown_method(self, method: Any) -> None: ...

        @classmethod
        def setup_class(cls) -> None: ...

        def teardown_class(cls) -> None: ...  # pytest calls it with the class, too

        def test_nothing(self) -> None: ...

    assert Suite.setup_method.__code__.co_argcount == 1
    assert Suite.teardown_method.__code__.co_argcount == 2
    assert Suite.setup_class.__func__.__code__.co_argcount == 1  # type: ignore[attr-defined]
    assert Suite.teardown_class.__code__.co_argcount == 1
    Suite.setup_class()
    Suite.teardown_class(Suite)  # type: ignore[arg-type]
    assert not served()


def test_setup_class_state_is_copied_into_each_test() -> None:
    @mock_kms
    class Suite:
        key_id = ""

        @classmethod
        def setup_class(cls) -> None:
            cls.key_id = new_client().create_key()["KeyMetadata"]["KeyId"]

        def test_keys(self) -> list[str]:
            new_client().create_key()
            return [k["KeyId"] for k in new_client().list_keys()["Keys"]]

    Suite.setup_class()
    assert not served()
    first = Suite().test_keys()
    assert first[0] == Suite.key_id and len(first) == 2
    second = Suite().test_keys()
    assert second[0] == Suite.key_id and len(second) == 2 and second[1] != first[1]
    Suite.teardown_class()  # type: ignore[attr-defined]  (added: it forgets the state)
    assert len(Suite().test_keys()) == 1
    assert not served()


def test_setup_class_starts_from_the_decorators_snapshot() -> None:
    with mock_kms(account_id=OTHER_ACCOUNT) as kms:
        base = new_client().create_key()["KeyMetadata"]["KeyId"]
        snapshot = kms.snapshot()

    @mock_kms(snapshot=snapshot)
    class Suite:
        @classmethod
        def setup_class(cls) -> None:
            assert [k["KeyId"] for k in new_client().list_keys()["Keys"]] == [base]
            new_client().create_key()

        def test_count(self) -> tuple[int, str]:
            metadata = new_client().describe_key(KeyId=base)["KeyMetadata"]
            return key_count(), metadata["AWSAccountId"]

    Suite.setup_class()
    assert Suite().test_count() == (2, OTHER_ACCOUNT)
    Suite.teardown_class()  # type: ignore[attr-defined]
    assert Suite().test_count() == (1, OTHER_ACCOUNT)  # the decorator's snapshot alone
    assert not served()


class _RecordingCase(unittest.TestCase):
    """A TestCase that records what setUp, the test and tearDown saw."""

    __test__ = False  # run by the test below, decorated, never on its own
    seen: list[tuple[str, Any]] = []

    def setUp(self) -> None:
        self.client = new_client()
        self.key_id = self.client.create_key()["KeyMetadata"]["KeyId"]
        self.seen.append(("setUp", self.key_id))

    def tearDown(self) -> None:
        state = self.client.describe_key(KeyId=self.key_id)["KeyMetadata"]["KeyState"]
        self.seen.append(("tearDown", (state, served())))

    def test_a(self) -> None:
        keys = [k["KeyId"] for k in self.client.list_keys()["Keys"]]
        self.seen.append(("test", keys))

    def test_b(self) -> None:
        keys = [k["KeyId"] for k in self.client.list_keys()["Keys"]]
        self.seen.append(("test", keys))


def test_class_decorator_on_a_testcase_shares_one_mock_across_set_up_test_and_tear_down() -> None:
    seen: list[tuple[str, Any]] = []
    case = mock_kms(type("Case", (_RecordingCase,), {"seen": seen}))

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)

    assert result.errors == [] and result.failures == []
    assert result.testsRun == 2
    first_key, second_key = seen[0][1], seen[3][1]
    assert seen == [
        ("setUp", first_key),
        ("test", [first_key]),  # setUp's key is there, and only it
        ("tearDown", ("Enabled", True)),
        ("setUp", second_key),
        ("test", [second_key]),  # nothing leaked from the first test
        ("tearDown", ("Enabled", True)),
    ]
    assert first_key != second_key
    assert not served()  # stopped after each test


def test_testcase_mock_is_stopped_even_when_set_up_fails() -> None:
    @mock_kms
    class Failing(unittest.TestCase):
        def setUp(self) -> None:
            raise RuntimeError("setUp failed")

        def test_nothing(self) -> None:
            raise AssertionError("not reached")

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Failing).run(result)
    assert len(result.errors) == 1
    assert "setUp failed" in result.errors[0][1]
    assert not served()


@mock_kms
class TestDecoratedTestCase(unittest.TestCase):
    """Collected and run by pytest's unittest support."""

    def setUp(self) -> None:
        self.client = new_client()
        self.key_id = self.client.create_key()["KeyMetadata"]["KeyId"]

    def test_key_from_set_up_is_usable(self) -> None:
        blob = self.client.encrypt(KeyId=self.key_id, Plaintext=b"data")["CiphertextBlob"]
        assert self.client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data"

    def test_only_this_tests_key_exists(self) -> None:
        assert [k["KeyId"] for k in self.client.list_keys()["Keys"]] == [self.key_id]


# -- context manager, start/stop, nesting ----------------------------------------------------


def test_context_manager_yields_the_active_mock() -> None:
    mock = mock_kms()
    assert isinstance(mock, KmsMock)
    assert not mock.active
    with mock as kms:
        assert kms is mock
        assert kms.active
        assert served()
        new_client().create_key()
    assert not kms.active
    assert not served()
    # State stays readable after stop, for assertions.
    assert [len(r.keys) for r in kms.world.regions.values()] == [1]


def test_context_manager_stops_the_mock_when_the_body_raises() -> None:
    with pytest.raises(LookupError), mock_kms():
        raise LookupError
    assert not served()


def test_start_and_stop() -> None:
    mock = mock_kms()
    assert mock.start() is mock
    try:
        assert served()
        new_client().create_key()
        assert key_count() == 1
    finally:
        mock.stop()
    assert not served()
    mock.start()  # a restarted mock is an outermost activation again: it starts empty
    try:
        assert key_count() == 0
    finally:
        mock.stop()


def test_nested_activations_share_the_outermost_state() -> None:
    with mock_kms() as outer:
        outer_key = new_client().create_key()["KeyMetadata"]["KeyId"]
        with mock_kms() as inner:
            assert inner.world is outer.world
            inner_key = new_client().create_key()["KeyMetadata"]["KeyId"]
            assert {k["KeyId"] for k in new_client().list_keys()["Keys"]} == {
                outer_key,
                inner_key,
            }
        assert served()  # stopping the inner activation leaves the outer one active
        assert {k["KeyId"] for k in new_client().list_keys()["Keys"]} == {outer_key, inner_key}
    assert not served()
    with mock_kms():
        assert key_count() == 0  # a new outermost activation starts empty


def test_decorated_function_called_inside_a_mock_shares_its_state() -> None:
    with mock_kms():
        new_client().create_key()
        assert create_one_key() == (2, True)
        assert key_count() == 2


def test_the_outer_mock_may_stop_before_the_inner_one() -> None:
    outer, inner = mock_kms().start(), mock_kms()
    inner.start()
    new_client().create_key()
    outer.stop()
    assert served()
    assert key_count() == 1
    inner.stop()
    assert not served()


def test_a_mock_started_in_another_thread_serves_this_one() -> None:
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with mock_kms():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert started.wait(10)
        assert served()
    finally:
        release.set()
        thread.join()
    assert not served()


def test_a_mock_that_was_never_started_has_no_state() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        _ = mock_kms().world
    assert str(excinfo.value) == "this mock has not been started; use start() or `with`"


# -- usage errors ----------------------------------------------------------------------------

STOPPED_MESSAGE = (
    "this mock is not active: it was never started or stop() was already called; "
    "call stop() once for each start()"
)
STARTED_MESSAGE = (
    "this mock is already active: call stop() before starting it again, or use a new "
    "mock_kms() to nest a second activation"
)


def test_stopping_twice_is_a_usage_error() -> None:
    mock = mock_kms()
    mock.start()
    mock.stop()
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock.stop()
    assert str(excinfo.value) == STOPPED_MESSAGE
    assert not served()


def test_stopping_a_mock_that_never_started_is_a_usage_error() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms().stop()
    assert str(excinfo.value) == STOPPED_MESSAGE


def test_starting_twice_is_a_usage_error_and_leaves_the_mock_active_once() -> None:
    mock = mock_kms()
    mock.start()
    try:
        with pytest.raises(KmsMockUsageError) as excinfo:
            mock.start()
        assert str(excinfo.value) == STARTED_MESSAGE
        with pytest.raises(KmsMockUsageError) as excinfo, mock:
            pass
        assert str(excinfo.value) == STARTED_MESSAGE
        assert served()
    finally:
        mock.stop()
    assert not served()  # one stop() undid the one successful start()


@pytest.mark.parametrize(
    "account_id",
    ["", "12345678901", "1234567890123", "12345678901a", " 123456789012", "123456789012\n"],
)
def test_a_malformed_account_id_is_a_usage_error(account_id: str) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms(account_id=account_id)
    assert str(excinfo.value) == (
        f"account_id must be a string of 12 digits, like '123456789012'; got {account_id!r}"
    )
    with pytest.raises(KmsMockUsageError):
        KmsMock(account_id=account_id)


def test_an_account_id_that_is_not_a_string_is_a_usage_error() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms(account_id=123456789012)  # type: ignore[call-overload]
    assert str(excinfo.value) == (
        "account_id must be a string of 12 digits, like '123456789012'; got 123456789012"
    )


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=14))
def test_only_twelve_ascii_digits_are_an_account_id(account_id: str) -> None:
    valid = len(account_id) == 12 and all(c in "0123456789" for c in account_id)
    if valid:
        assert KmsMock(account_id=account_id).account_id == account_id
    else:
        with pytest.raises(KmsMockUsageError):
            KmsMock(account_id=account_id)


def test_digits_of_other_scripts_are_not_an_account_id() -> None:
    with pytest.raises(KmsMockUsageError):
        KmsMock(account_id="١٢٣٤٥٦٧٨٩٠١٢")  # Arabic-Indic digits match \d


def test_an_account_id_passed_positionally_is_a_usage_error() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms("111122223333")
    assert str(excinfo.value) == (
        "mock_kms takes the account as a keyword: mock_kms(account_id='111122223333')"
    )


def test_decorating_something_that_is_not_callable_is_a_usage_error() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock_kms(42)
    assert str(excinfo.value) == (
        "mock_kms decorates functions, coroutine functions and classes; got 42"
    )


def test_errors_inside_a_decorated_function_are_botocore_errors() -> None:
    @mock_kms
    def describe_missing() -> None:
        new_client().describe_key(KeyId="alias/missing")

    with pytest.raises(ClientError) as excinfo:
        describe_missing()
    assert error_of(excinfo) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:123456789012:alias/missing is not found.",
    )
