"""``@mock_kms`` on test classes, run by pytest as users' projects run them (issue 16): the
test, not the method, is the unit, as with moto's class decorator.

Each project below blocks the network for its whole session (setup_class included) and fails
if anything tried to connect: every KMS request was answered in-process.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly --strict-markers
filterwarnings = error
"""

# pytest-asyncio runs the async test methods (in auto mode: no marker needed).
ASYNC_INI = """
[pytest]
addopts = -p no:cacheprovider -p no:benchmark -p no:randomly --strict-markers
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

# Imported by the projects' tests as `kmsprobe`: `conftest` is already this suite's module.
PROBE = """
import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

HOST = "kms-probe.invalid"
ATTEMPTS = []


def served():
    \"\"\"Whether a KMS request is answered in-process now: the network is blocked, so only an
    active mock can answer it.\"\"\"
    probe = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=f"http://{HOST}",
        aws_access_key_id="AKIDPROBEPROBEPROBE0",
        aws_secret_access_key="probe-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    try:
        probe.list_keys()
    except EndpointConnectionError:
        return False
    return True


def client():
    return boto3.client("kms", region_name="us-east-1")


def key_ids(kms=None):
    return [key["KeyId"] for key in (kms or client()).list_keys()["Keys"]]
"""

CONFTEST = """
import socket

import pytest

from kmsprobe import ATTEMPTS, HOST


@pytest.fixture(scope="session", autouse=True)
def blocked_network():
    def refuse(*args, **kwargs):
        ATTEMPTS.append(args)
        raise OSError("network blocked by the test")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        yield
    escaped = [attempt for attempt in ATTEMPTS if HOST not in repr(attempt)]
    assert escaped == [], f"requests left the process: {escaped}"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # The mock then supplies its fake credentials and us-east-1, as on a developer's machine
    # with nothing configured.
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    pytester.makeini(INI)
    pytester.makepyfile(kmsprobe=PROBE, conftest=CONFTEST)
    return pytester


# -- setup_method and teardown_method ----------------------------------------------------------

# As written for moto's @mock_aws, which passes the test method to both hooks.
MOTO_STYLE = """
import boto3

from kmsmock import mock_kms as mock_aws
from kmsprobe import key_ids, served

SEEN = []


@mock_aws
class TestKeys:
    def setup_method(self, method):
        self.client = boto3.client("kms", region_name="us-east-1")
        self.key_id = self.client.create_key()["KeyMetadata"]["KeyId"]
        SEEN.append(("setup_method", method.__name__, self.key_id))

    def teardown_method(self, method):
        # The network is blocked: listing keys works only inside the mock.
        SEEN.append(("teardown_method", method.__name__, len(key_ids(self.client))))

    def test_the_key_from_setup_method_is_there(self):
        assert key_ids(self.client) == [self.key_id]
        blob = self.client.encrypt(KeyId=self.key_id, Plaintext=b"data")["CiphertextBlob"]
        assert self.client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data"
        self.client.create_key()  # a second key, for this test only

    def test_only_this_tests_key_is_there(self):
        assert key_ids(self.client) == [self.key_id]
        arn = self.client.describe_key(KeyId=self.key_id)["KeyMetadata"]["Arn"]
        assert arn == f"arn:aws:kms:us-east-1:123456789012:key/{self.key_id}"


def test_each_test_had_its_own_mock_from_setup_method_to_teardown_method():
    assert not served()
    first, second = SEEN[0][2], SEEN[2][2]
    assert first != second
    assert SEEN == [
        ("setup_method", "test_the_key_from_setup_method_is_there", first),
        ("teardown_method", "test_the_key_from_setup_method_is_there", 2),
        ("setup_method", "test_only_this_tests_key_is_there", second),
        ("teardown_method", "test_only_this_tests_key_is_there", 1),
    ]
"""


def test_setup_method_the_test_and_teardown_method_share_one_mock(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_moto_style=MOTO_STYLE)
    project.runpytest().assert_outcomes(passed=3)


def test_hooks_without_the_method_argument_inherited_or_only_one_of_them(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_shapes="""
        from kmsmock import mock_kms
        from kmsprobe import client, key_ids, served


        SEEN = []


        class Base:
            def setup_method(self):
                self.key_id = client().create_key()["KeyMetadata"]["KeyId"]

            def teardown_method(self):
                SEEN.append(len(key_ids()))


        @mock_kms
        class TestInherited(Base):
            def test_one(self):
                assert key_ids() == [self.key_id]
                client().create_key()

            def test_two(self):
                assert key_ids() == [self.key_id]


        @mock_kms
        class TestOnlyTeardown:
            def teardown_method(self):
                assert key_ids() == [self.made]

            def test_makes_a_key(self):
                self.made = client().create_key()["KeyMetadata"]["KeyId"]


        @mock_kms
        class TestNoHooks:
            def test_one(self):
                client().create_key()
                assert len(key_ids()) == 1

            def test_two(self):
                assert key_ids() == []


        def test_nothing_is_active_afterwards():
            assert SEEN == [2, 1]  # what Base.teardown_method saw
            assert not served()
        """
    )
    project.runpytest().assert_outcomes(passed=6)


def test_a_failing_setup_method_still_stops_the_mock(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing_setup="""
        from kmsmock import mock_kms
        from kmsprobe import client, served


        @mock_kms
        class TestFailingSetup:
            def setup_method(self, method):
                client().create_key()
                raise RuntimeError("setup_method failed")

            def teardown_method(self, method):
                raise AssertionError("not called after a failed setup_method")

            def test_never_runs(self):
                raise AssertionError("not reached")


        def test_the_mock_was_stopped():
            assert not served()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: setup_method failed*"])


def test_a_failing_teardown_method_still_stops_the_mock(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing_teardown="""
        from kmsmock import mock_kms
        from kmsprobe import client, served


        @mock_kms
        class TestFailingTeardown:
            def setup_method(self, method):
                client().create_key()

            def teardown_method(self, method):
                assert served()
                raise RuntimeError("teardown_method failed")

            def test_runs(self):
                assert served()


        def test_the_mock_was_stopped():
            assert not served()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: teardown_method failed*"])


def test_a_kms_fixture_a_test_asks_for_joins_the_mock_of_setup_method(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_with_fixture="""
        from kmsmock import mock_kms
        from kmsprobe import client


        @mock_kms
        class TestWithFixture:
            def setup_method(self, method):
                self.key_id = client().create_key()["KeyMetadata"]["KeyId"]

            def test_the_fixture_sees_the_key(self, kms, kms_client):
                assert kms.active
                listed = kms_client.list_keys()["Keys"]
                assert [key["KeyId"] for key in listed] == [self.key_id]
                assert [e.operation for e in kms.events] == ["CreateKey", "ListKeys"]
        """
    )
    project.runpytest().assert_outcomes(passed=1)


# -- async test methods ------------------------------------------------------------------------


def test_async_test_methods_run_inside_the_mock(project: pytest.Pytester) -> None:
    project.makeini(ASYNC_INI)
    project.makepyfile(
        test_async_methods="""
        import asyncio

        from kmsmock import mock_kms
        from kmsprobe import client, key_ids, served


        @mock_kms
        class TestWithSetupMethod:
            def setup_method(self, method):
                self.key_id = client().create_key()["KeyMetadata"]["KeyId"]

            def teardown_method(self, method):
                assert served()

            async def test_sees_the_key_from_setup_method(self):
                await asyncio.sleep(0)
                assert key_ids() == [self.key_id]
                client().create_key()

            async def test_and_only_its_own(self):
                assert key_ids() == [self.key_id]


        @mock_kms
        class TestWithoutHooks:
            async def test_a_fresh_mock(self):
                assert served()
                client().create_key()
                await asyncio.sleep(0)
                assert len(key_ids()) == 1

            async def test_another_fresh_mock(self):
                assert key_ids() == []


        def test_nothing_is_active_afterwards():
            assert not served()
        """
    )
    project.runpytest().assert_outcomes(passed=5)


# -- unittest ----------------------------------------------------------------------------------


def test_isolated_asyncio_testcase_runs_its_async_steps_inside_the_mock_of_set_up(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_isolated="""
        import unittest

        from kmsmock import mock_kms
        from kmsprobe import client, key_ids, served

        SEEN = []


        @mock_kms
        class TestAsync(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.key_id = client().create_key()["KeyMetadata"]["KeyId"]
                SEEN.append(("setUp", key_ids()))

            async def asyncSetUp(self):
                SEEN.append(("asyncSetUp", key_ids()))
                self.addAsyncCleanup(self.cleanup)

            async def cleanup(self):
                SEEN.append(("async cleanup", len(key_ids())))

            async def test_one(self):
                SEEN.append(("test", key_ids()))
                client().create_key()

            async def test_two(self):
                SEEN.append(("test", key_ids()))

            async def asyncTearDown(self):
                SEEN.append(("asyncTearDown", len(key_ids())))

            def tearDown(self):
                SEEN.append(("tearDown", len(key_ids())))


        def test_every_step_saw_its_tests_mock():
            assert not served()
            first, second = SEEN[0][1], SEEN[6][1]
            assert first != second
            assert SEEN == [
                ("setUp", first),
                ("asyncSetUp", first),
                ("test", first),
                ("asyncTearDown", 2),
                ("tearDown", 2),
                ("async cleanup", 2),  # before the mock's own cleanup stops it
                ("setUp", second),
                ("asyncSetUp", second),
                ("test", second),
                ("asyncTearDown", 1),
                ("tearDown", 1),
                ("async cleanup", 1),
            ]
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_set_up_class_state_is_in_each_test_and_no_test_changes_it(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_set_up_class="""
        import unittest

        from kmsmock import mock_kms
        from kmsprobe import client, key_ids, served

        SEEN = []


        @mock_kms
        class TestShared(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                cls.shared = client().create_key()["KeyMetadata"]["KeyId"]
                client().create_alias(AliasName="alias/shared", TargetKeyId=cls.shared)

            @classmethod
            def tearDownClass(cls):
                SEEN.append(("tearDownClass", key_ids(), served()))

            def setUp(self):
                self.own = client().create_key()["KeyMetadata"]["KeyId"]

            def test_one(self):
                self.assertEqual(sorted(key_ids()), sorted([self.shared, self.own]))
                client().schedule_key_deletion(KeyId=self.shared, PendingWindowInDays=7)
                client().create_key()

            def test_two(self):
                self.assertEqual(sorted(key_ids()), sorted([self.shared, self.own]))
                metadata = client().describe_key(KeyId="alias/shared")["KeyMetadata"]
                self.assertEqual(metadata["KeyState"], "Enabled")


        def test_tear_down_class_saw_set_up_class_state():
            assert SEEN == [("tearDownClass", [TestShared.shared], True)]
            assert not served()
        """
    )
    project.runpytest().assert_outcomes(passed=3)


# -- setup_class and teardown_class ------------------------------------------------------------

SETUP_CLASS = """
import boto3
import pytest

from kmsmock import mock_kms
from kmsprobe import client, key_ids, served

SEEN = []


@mock_kms
class TestShared:
    @classmethod
    def setup_class(cls):
        kms = boto3.client("kms", region_name="us-east-1")
        cls.signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")[
            "KeyMetadata"
        ]["KeyId"]
        kms.create_alias(AliasName="alias/signing", TargetKeyId=cls.signing)
        # Makes the private key here, once: made in a test, each test would make its own.
        kms.get_public_key(KeyId=cls.signing)

    @classmethod
    def teardown_class(cls):
        SEEN.append(("teardown_class", key_ids(), served()))

    def test_the_key_of_setup_class_is_there(self):
        assert key_ids() == [self.signing]
        signature = client().sign(
            KeyId="alias/signing", Message=b"m", SigningAlgorithm="ECDSA_SHA_256"
        )["Signature"]
        SEEN.append(("signature", signature))
        client().delete_alias(AliasName="alias/signing")
        client().create_key()

    def test_no_test_changes_what_the_next_one_sees(self):
        assert key_ids() == [self.signing]
        assert client().verify(
            KeyId="alias/signing",
            Message=b"m",
            Signature=SEEN[0][1],
            SigningAlgorithm="ECDSA_SHA_256",
        )["SignatureValid"]

    def test_a_kms_fixture_sees_it_too(self, kms, kms_client):
        assert kms.active
        assert [key["KeyId"] for key in kms_client.list_keys()["Keys"]] == [self.signing]


def test_teardown_class_saw_the_state_of_setup_class():
    assert SEEN[1:] == [("teardown_class", [TestShared.signing], True)]
    assert not served()
"""


def test_setup_class_state_is_in_each_test_and_no_test_changes_it(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_setup_class=SETUP_CLASS)
    project.runpytest().assert_outcomes(passed=4)


def test_setup_class_state_cannot_reach_tests_inside_another_mock(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(
        CONFTEST
        + """

@pytest.fixture(autouse=True)
def mocked(kms):
    yield
"""
    )
    project.makepyfile(
        test_conflict="""
        from kmsmock import mock_kms
        from kmsprobe import client, key_ids


        @mock_kms
        class TestShared:
            @classmethod
            def setup_class(cls):
                cls.key_id = client().create_key()["KeyMetadata"]["KeyId"]

            def test_uses_the_key(self):
                assert key_ids() == [self.key_id]


        @mock_kms
        class TestSetupClassWithoutKms:
            @classmethod
            def setup_class(cls):
                cls.value = 42  # no KMS state: the tests start empty, inside the fixture

            def test_inside_the_fixture(self, kms):
                assert key_ids() == []
                client().create_key()
                assert len(kms.world.regions) == 1
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "E *kmsmock.errors.KmsMockUsageError: TestShared.setup_class made KMS state that "
            "each test of the class starts from a copy of, so a test's mock must be the only "
            "active mock, but another is active (a `kms` fixture, a decorator or a `with "
            "mock_kms()`): leave that mock out of this class's tests, or make the state in "
            "setup_method (setUp) instead; see docs/activation.md, 'Test classes'"
        ]
    )


# -- the examples of docs/activation.md ---------------------------------------------------------

PAGE = Path(__file__).resolve().parents[2] / "docs" / "activation.md"
# Its examples that need pytest itself are `py` blocks whose first line names their file
# (tests/test_docs.py runs the `python` ones inside a mock); how many tests each directory
# holds, so that a block that stops being collected fails here.
EXAMPLES = {"methods": 3, "shared": 2, "unittest": 2}


def _examples() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for block in re.findall(r"```py\n(.*?)```", PAGE.read_text(), re.S):
        match = re.match(r"# file: (\S+)\n", block)
        assert match is not None, f"a py block of {PAGE.name} names no file:\n{block}"
        directory, _, name = match[1].partition("/")
        found[directory][name] = block
    return dict(found)


def test_every_example_directory_is_expected() -> None:
    assert set(_examples()) == set(EXAMPLES)


@pytest.mark.parametrize("directory", sorted(EXAMPLES))
def test_the_example_passes(project: pytest.Pytester, directory: str) -> None:
    project.makeini(ASYNC_INI.replace("asyncio_mode = auto\n", ""))  # strict: the marker
    for name, code in _examples()[directory].items():
        (project.path / name).write_text(code)
    project.runpytest().assert_outcomes(passed=EXAMPLES[directory])


# -- the reference: moto -----------------------------------------------------------------------


def test_the_moto_style_project_passes_with_moto_too(project: pytest.Pytester) -> None:
    """The same file, with moto's decorator: what it checks is moto's behaviour, unchanged
    (moto is the benchmark's extra, not a test dependency)."""
    pytest.importorskip("moto")
    project.makepyfile(
        test_moto=MOTO_STYLE.replace(
            "from kmsmock import mock_kms as mock_aws", "from moto import mock_aws"
        )
    )
    # In a subprocess: importing moto changes botocore's handlers for the whole process.
    result = project.runpytest_subprocess("-p", "no:kmsmock")
    result.assert_outcomes(passed=3)
