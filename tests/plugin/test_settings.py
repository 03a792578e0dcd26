"""The plugin's settings: the ``kms_client`` fixture, the ``kms`` marker (region, account,
one test per Region or account), the ini options, and the errors a wrong setting gives."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly --strict-markers
filterwarnings = error
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # The user's environment must not decide what these tests see.
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    pytester.makeini(INI)
    return pytester


def test_kms_client_is_in_the_default_account_and_region(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import os

        def test_defaults(kms, kms_client, kms_region, kms_account_id):
            assert (kms_region, kms_account_id, kms.account_id) == (
                "us-east-1", "123456789012", "123456789012")
            arn = kms_client.create_key()["KeyMetadata"]["Arn"]
            assert arn.startswith("arn:aws:kms:us-east-1:123456789012:key/")
            # No Region was configured: the mock's own default applies.
            assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_the_marker_sets_region_and_account(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import os

        import boto3
        import pytest

        pytestmark = pytest.mark.kms(region="eu-west-1")


        def test_module_region(kms_client):
            assert kms_client.meta.region_name == "eu-west-1"
            # Clients made without region_name, as code under test makes them, agree.
            assert boto3.client("kms").meta.region_name == "eu-west-1"


        @pytest.mark.kms(account_id="111122223333")
        def test_test_account_and_module_region(kms, kms_client):
            assert kms.account_id == "111122223333"
            arn = kms_client.create_key()["KeyMetadata"]["Arn"]
            assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")


        @pytest.mark.kms(region="ap-southeast-2")
        class TestClassRegion:
            @pytest.mark.kms(region="sa-east-1")
            def test_the_closest_marker_wins(self, kms_client):
                assert kms_client.meta.region_name == "sa-east-1"

            def test_class(self, kms_client):
                assert kms_client.meta.region_name == "ap-southeast-2"
        """,
        test_unmarked="""
        import os

        def test_the_region_is_restored_after_each_test():
            assert "AWS_DEFAULT_REGION" not in os.environ
        """,
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=5)


def test_the_ini_options_set_the_defaults(project: pytest.Pytester) -> None:
    project.makeini(INI + "kms_region = eu-central-1\nkms_account_id = 444455556666\n")
    project.makepyfile(
        """
        import pytest

        def test_ini(kms, kms_client):
            assert kms.account_id == "444455556666"
            assert kms_client.meta.region_name == "eu-central-1"

        @pytest.mark.kms(region="us-west-2", account_id="777788889999")
        def test_the_marker_wins(kms, kms_client):
            assert kms.account_id == "777788889999"
            assert kms_client.meta.region_name == "us-west-2"
        """
    )
    project.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "kms_region = eu-wset-1",
            "ERROR: ini option kms_region: unknown region 'eu-wset-1': botocore knows no such "
            "AWS Region (did you mean 'eu-west-1'?)",
        ),
        (
            "kms_account_id = 1234",
            "ERROR: ini option kms_account_id: an account ID is a string of 12 digits, like "
            "'123456789012'; got '1234'",
        ),
    ],
)
def test_a_bad_ini_option_is_a_usage_error(
    project: pytest.Pytester, option: str, message: str
) -> None:
    project.makeini(INI + option + "\n")
    project.makepyfile("def test_nothing(): pass")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_regions_runs_the_test_once_per_region(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        seen = []

        @pytest.mark.kms(regions=["us-east-1", "eu-west-1"])
        def test_each(kms_client, kms_region):
            assert kms_client.meta.region_name == kms_region
            seen.append(kms_region)

        @pytest.mark.kms(regions=["us-east-1", "eu-west-1"], account_ids=["111122223333"])
        def test_both(kms, kms_region):
            seen.append((kms_region, kms.account_id))

        def test_seen():
            assert seen == [
                "us-east-1",
                "eu-west-1",
                ("us-east-1", "111122223333"),
                ("eu-west-1", "111122223333"),
            ]
        """
    )
    result = project.runpytest("-v", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*::test_each[[]us-east-1[]] PASSED*",
            "*::test_each[[]eu-west-1[]] PASSED*",
            "*::test_both[[]us-east-1-111122223333[]] PASSED*",
            "*::test_both[[]eu-west-1-111122223333[]] PASSED*",
        ]
    )


def test_a_test_run_per_region_under_xdist(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.kms(regions=["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"])
        def test_each(kms_client, kms_region):
            key = kms_client.create_key()["KeyMetadata"]
            assert key["Arn"].startswith(f"arn:aws:kms:{kms_region}:")
            assert len(kms_client.list_keys()["Keys"]) == 1
        """
    )
    project.runpytest_subprocess("-n", "2").assert_outcomes(passed=4)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "kms('eu-west-1')",
            "pytest.mark.kms takes keywords only, like pytest.mark.kms(region='eu-west-1', "
            "account_id='111122223333', regions=['us-east-1', 'eu-west-1'], account_ids=[...], "
            "enforce_policies=False, settings={'limits.tags_per_key': 5}, "
            "integrations=['s3', 'ssm', 'secretsmanager']); got positional arguments "
            "('eu-west-1',)",
        ),
        (
            "kms(regoin='eu-west-1')",
            "pytest.mark.kms got an unknown keyword 'regoin' (did you mean region=?); it takes "
            "region, account_id, regions, account_ids, enforce_policies, settings, integrations",
        ),
        (
            "kms(region='eu-wset-1')",
            "pytest.mark.kms(region=...): unknown region 'eu-wset-1': botocore knows no such "
            "AWS Region (did you mean 'eu-west-1'?)",
        ),
        (
            "kms(region=1)",
            "pytest.mark.kms(region=...): a region is a string like 'eu-west-1'; got 1",
        ),
        (
            "kms(account_id='12345678901')",
            "pytest.mark.kms(account_id=...): an account ID is a string of 12 digits, like "
            "'123456789012'; got '12345678901'",
        ),
        (
            "kms(account_id=123456789012)",
            "pytest.mark.kms(account_id=...): an account ID is a string of 12 digits, like "
            "'123456789012'; got 123456789012",
        ),
        (
            "kms(regions='eu-west-1')",
            "pytest.mark.kms(regions=...): regions is a list, like regions=[...]; got 'eu-west-1'",
        ),
        ("kms(regions=[])", "pytest.mark.kms(regions=...): regions is empty; give at least one"),
        (
            "kms(regions=['eu-west-1', 'eu-west-1'])",
            "pytest.mark.kms(regions=...): regions names one more than once: "
            "['eu-west-1', 'eu-west-1']",
        ),
        (
            "kms(account_ids=['111122223333', 'x'])",
            "pytest.mark.kms(account_ids=...): an account ID is a string of 12 digits, like "
            "'123456789012'; got 'x'",
        ),
        (
            "kms(region='eu-west-1', regions=['us-east-1'])",
            "pytest.mark.kms: give region= (every test) or regions= (one test each), not both",
        ),
        (
            "kms(enforce_policies='no')",
            "pytest.mark.kms(enforce_policies=...): True or False; got 'no'",
        ),
    ],
)
def test_a_bad_marker_fails_its_test_with_a_message(
    project: pytest.Pytester, marker: str, message: str
) -> None:
    project.makepyfile(
        test_bad=f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked(kms):
            pass

        def test_unmarked(kms):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    assert f"test_bad.py::test_marked: {message}" in result.stdout.lines
    assert "During handling of the above exception" not in result.stdout.str()


def test_regions_on_a_test_without_a_kms_fixture_run_it_in_a_mock_per_region(
    project: pytest.Pytester,
) -> None:
    # The marker alone activates the mock, so regions= needs no fixture either.
    project.makepyfile(
        test_marked="""
        import boto3
        import pytest

        @pytest.mark.kms(regions=["us-east-1", "eu-west-1"], account_ids=["111122223333"])
        def test_marked():
            arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
            region = boto3.client("kms").meta.region_name
            assert arn.startswith(f"arn:aws:kms:{region}:111122223333:key/")
            assert len(boto3.client("kms").list_keys()["Keys"]) == 1
        """
    )
    result = project.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_marked[[]us-east-1-111122223333[]] PASSED*",
            "*test_marked[[]eu-west-1-111122223333[]] PASSED*",
        ]
    )


def test_the_marker_is_registered(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.kms(region="eu-west-1")
        def test_strict(kms):
            pass
        """
    )
    project.runpytest("--strict-markers").assert_outcomes(passed=1)
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.kms(region=, account_id=, regions=*"])


def test_enforce_policies_false_serves_any_principal(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import boto3
        import pytest

        from botocore.exceptions import ClientError

        OTHERS_ONLY = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"AWS":"arn:aws:iam::999999999999:root"},"Action":"kms:*","Resource":"*"}]}'
        )

        def locked_key(client):
            return client.create_key(Policy=OTHERS_ONLY, BypassPolicyLockoutSafetyCheck=True)[
                "KeyMetadata"
            ]["KeyId"]

        @pytest.mark.kms(enforce_policies=False)
        def test_as_moto(kms, kms_client):
            assert not kms.enforce_policies
            assert kms_client.describe_key(KeyId=locked_key(kms_client))

        def test_as_aws(kms, kms_client):
            with pytest.raises(ClientError) as excinfo:
                kms_client.describe_key(KeyId=locked_key(kms_client))
            assert excinfo.value.response["Error"]["Code"] == "AccessDeniedException"
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_kms_client_refuses_to_work_after_its_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        from kmsmock import KmsMockUsageError

        kept = []

        def test_keeps_the_client(kms_client):
            kept.append(kms_client)

        def test_uses_it_later():
            with pytest.raises(KmsMockUsageError) as excinfo:
                kept[0].list_keys()
            assert str(excinfo.value).startswith(
                "kms_client belongs to a test's kms mock, which has stopped (at the end of its "
                "test, or by kms.stop()); it never calls AWS."
            )

        def test_after_stop(kms, kms_client):
            kms.stop()
            with pytest.raises(KmsMockUsageError):
                kms_client.list_keys()
            kms.start()
        """
    )
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_kms_client_in_a_wider_scope_is_refused_by_pytest(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="module")
        def shared(kms_client):
            return kms_client

        def test_uses(shared):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ScopeMismatch*kms_client*"])


def test_the_fixtures_are_documented(project: pytest.Pytester) -> None:
    result = project.runpytest("--fixtures")
    result.stdout.fnmatch_lines_random(
        [
            "kms_client -- *plugin.py*",
            "kms_region -- *plugin.py*",
            "kms_account_id -- *plugin.py*",
            "kms_snapshot -- *plugin.py*",
        ]
    )


def test_a_closer_region_hides_a_farther_regions(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.kms(regions=["us-east-1", "eu-west-1"])

        def test_per_region(kms_region):
            assert kms_region in ("us-east-1", "eu-west-1")

        @pytest.mark.kms(region="ap-south-1")
        def test_one_region(kms_client):
            assert kms_client.meta.region_name == "ap-south-1"
        """
    )
    result = project.runpytest("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*::test_one_region PASSED*"])


def test_without_settings_the_environment_region_is_used(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    project.makepyfile(
        """
        import boto3

        def test_env(kms_client, kms_region):
            assert kms_region == kms_client.meta.region_name == "eu-north-1"
            assert boto3.client("kms").meta.region_name == "eu-north-1"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def _partition_of_each_region() -> dict[str, str]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return {
        region: partition["id"]
        for partition in loader.load_data("partitions")["partitions"]
        for region in partition.get("regions", {})
        if not region.endswith("-global")
    }


def test_the_marker_accepts_every_region_of_botocores_partitions() -> None:
    from pytest_kmsmock._settings import known_regions

    assert known_regions() == set(_partition_of_each_region())
    assert {"us-east-1", "cn-north-1", "us-gov-west-1", "eu-west-1"} <= known_regions()


def test_a_key_in_each_accepted_region_has_its_partitions_arn(kms: object) -> None:
    import boto3

    wrong = {}
    for region, partition in _partition_of_each_region().items():
        arn = boto3.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"]
        if not arn.startswith(f"arn:{partition}:kms:{region}:"):
            wrong[region] = arn
    assert wrong == {}
