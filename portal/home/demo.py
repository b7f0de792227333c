"""Demo content for `manage.py seed_demo`: a sample of the unit tree, one user per role, and a few
trainings and good practices in Vietnamese written for this project (published ones from several
units, and one of the demo submitter's unit in each review state). Every step is idempotent:
running it again adds what is missing and leaves what exists as it is (a changed password or a
renamed unit stays changed)."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from wagtail.models import Page

from portal.home.demo_media import seed_recordings
from portal.home.topic_names import match_topics
from portal.practices.models import FieldOfWork, GoodPracticeIndexPage, GoodPracticePage
from portal.practices.review import CLOSE, REQUEST_CHANGES
from portal.practices.workflow import submit_for_review
from portal.trainings.models import TrainingIndexPage, TrainingPage
from portal.units import roles
from portal.units.models import Unit, User

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented in README, demo machines only
UNITS_CSV = Path(__file__).resolve().parent.parent / "units" / "fixtures" / "units_sample.csv"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    unit_code: str
    role: str
    position: str
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "Quản trị", "Hệ thống", "VKSNDTC-C2", roles.ADMINISTRATOR, "Quản trị hệ thống", superuser=True),
    DemoUser("editor", "Hương", "Nguyễn Thu", "VKSNDTC-V14", roles.TRAINING_EDITOR, "Chuyên viên"),
    DemoUser("reviewer", "Bình", "Trần Quốc", "VKSNDTC-V14", roles.REVIEWER, "Phó Vụ trưởng"),
    DemoUser("submitter", "Mai", "Lê Thị", "HN", roles.SUBMITTER, "Kiểm sát viên"),
    DemoUser("viewer", "Nam", "Phạm Văn", "HN-KV1", roles.VIEWER, "Kiểm sát viên"),
]


@dataclass
class DemoPage:
    title: str
    slug: str
    date: datetime.date
    unit_code: str
    summary: str
    body: str
    topics: list[str] = field(default_factory=list)


TRAININGS = [
    DemoPage(
        "Tập huấn kỹ năng kiểm sát viên tại phiên tòa hình sự",
        "tap-huan-ky-nang-kiem-sat-vien-tai-phien-toa-hinh-su",
        datetime.date(2026, 3, 12),
        "VKSNDTC-V7",
        "Kỹ năng xét hỏi, tranh luận và xử lý tình huống phát sinh tại phiên tòa sơ thẩm hình sự.",
        "<p>Buổi tập huấn trình bày các bước chuẩn bị đề cương xét hỏi, cách đối đáp với luật sư và "
        "những lưu ý khi bị cáo phản cung tại phiên tòa.</p><ul><li>Chuẩn bị hồ sơ và đề cương</li>"
        "<li>Xét hỏi có trọng tâm</li><li>Tranh luận và đối đáp</li></ul>",
        ["Kỹ năng tranh tụng", "Kiểm sát xét xử hình sự"],
    ),
    DemoPage(
        "Hướng dẫn áp dụng Bộ luật Tố tụng hình sự về thu thập chứng cứ điện tử",
        "huong-dan-ap-dung-bltths-ve-chung-cu-dien-tu",
        datetime.date(2026, 5, 20),
        "VKSNDTC-V1",
        "Nhận diện, thu giữ, bảo quản và đánh giá dữ liệu điện tử là chứng cứ trong vụ án hình sự.",
        "<p>Chuyên đề giới thiệu quy định của BLTTHS về dữ liệu điện tử, quy trình phối hợp với "
        "cơ quan điều tra khi thu giữ thiết bị và những sai sót thường gặp khi đánh giá chứng cứ.</p>",
        ["Chứng cứ điện tử", "Tố tụng hình sự"],
    ),
    DemoPage(
        "Bồi dưỡng nghiệp vụ kiểm sát thi hành án dân sự năm 2026",
        "boi-duong-nghiep-vu-kiem-sat-thi-hanh-an-dan-su-2026",
        datetime.date(2026, 8, 5),
        "VKSNDTC-V11",
        "Những vi phạm phổ biến trong thi hành án dân sự và cách ban hành kiến nghị, kháng nghị.",
        "<p>Buổi bồi dưỡng tổng hợp các dạng vi phạm thường gặp trong kê biên, bán đấu giá tài sản và "
        "hướng dẫn xây dựng kiến nghị có căn cứ, đúng thời hạn.</p>",
        ["Thi hành án dân sự"],
    ),
    DemoPage(
        "Ứng dụng công nghệ thông tin trong quản lý hồ sơ vụ án",
        "ung-dung-cong-nghe-thong-tin-trong-quan-ly-ho-so-vu-an",
        datetime.date(2026, 10, 14),
        "VKSNDTC-C2",
        "Số hóa hồ sơ, tra cứu và thống kê án trên phần mềm quản lý án của ngành.",
        "<p>Hướng dẫn quét và đặt tên tài liệu, nhập thông tin vụ án, tra cứu tiến độ giải quyết và lập "
        "báo cáo thống kê định kỳ.</p>",
        ["Công nghệ thông tin", "Chuyển đổi số"],
    ),
]


@dataclass
class DemoPractice:
    """A good practice written up the way units do: the problem, what was done, results, how to apply."""

    title: str
    slug: str
    date: datetime.date
    unit_code: str
    field_of_work: str
    authors: str
    summary: str
    problem: str
    actions: str
    results: str
    how_to_apply: str
    topics: list[str] = field(default_factory=list)


# Fields of work as migration practices.0004 names them.
PROSECUTION_INVESTIGATION = "Thực hành quyền công tố, kiểm sát khởi tố, điều tra vụ án hình sự"
PROSECUTION_TRIAL = "Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự"
DETENTION = "Kiểm sát tạm giữ, tạm giam và thi hành án hình sự"
IT = "Ứng dụng công nghệ thông tin, chuyển đổi số"
STAFF = "Tổ chức cán bộ, đào tạo, bồi dưỡng"
MANAGEMENT = "Quản lý, chỉ đạo, điều hành"

# Published write-ups of several units, for the whole sector to read.
PRACTICES = [
    DemoPractice(
        "Số hóa hồ sơ kiểm sát để tra cứu nhanh khi tham gia phiên tòa",
        "so-hoa-ho-so-kiem-sat-de-tra-cuu-nhanh",
        datetime.date(2026, 4, 2),
        "HN-KV1",
        PROSECUTION_TRIAL,
        "Nguyễn Văn Hùng, Viện trưởng; Phạm Thị Hạnh, Kiểm sát viên",
        "Quét toàn bộ hồ sơ kiểm sát, đánh chỉ mục theo bút lục để kiểm sát viên tra cứu trên máy tính "
        "bảng ngay tại phiên tòa.",
        "<p>Hồ sơ vụ án có khi dày hàng nghìn trang. Khi bị cáo thay đổi lời khai hoặc luật sư viện dẫn một "
        "bút lục, kiểm sát viên mất nhiều phút lật tìm, làm gián đoạn phần xét hỏi và tranh luận.</p>",
        "<ul><li>Quét toàn bộ hồ sơ kiểm sát sau khi nhận cáo trạng, đặt tên tệp theo số bút lục.</li>"
        "<li>Lập bảng chỉ mục theo nhóm tài liệu: lời khai, biên bản, kết luận giám định, chứng cứ điện tử.</li>"
        "<li>Kiểm sát viên mang máy tính bảng không kết nối mạng ra phiên tòa, tra cứu theo chỉ mục.</li></ul>",
        "<p>Thời gian tìm một bút lục giảm từ vài phút xuống dưới 30 giây; 42 phiên tòa áp dụng trong năm "
        "2025, không phiên tòa nào phải tạm nghỉ để tìm tài liệu.</p>",
        "<p>Đơn vị cần một máy quét tốc độ cao và quy ước đặt tên tệp thống nhất. Nên giao một công chức "
        "phụ trách quét ngay khi hồ sơ chuyển sang giai đoạn truy tố.</p>",
        ["Chuyển đổi số", "Kiểm sát xét xử hình sự"],
    ),
    DemoPractice(
        "Phối hợp với cơ quan điều tra rà soát án tạm đình chỉ hằng quý",
        "phoi-hop-ra-soat-an-tam-dinh-chi-hang-quy",
        datetime.date(2026, 6, 18),
        "HUE",
        PROSECUTION_INVESTIGATION,
        "Hoàng Minh Tuấn, Phó Viện trưởng",
        "Lập danh sách chung và họp rà soát định kỳ giúp giải quyết dứt điểm nhiều vụ án tạm đình chỉ kéo dài.",
        "<p>Nhiều vụ án tạm đình chỉ điều tra kéo dài nhiều năm vì không xác định được bị can hoặc chờ kết "
        "quả giám định, không ai theo dõi đến cùng.</p>",
        "<p>Mỗi quý, Viện kiểm sát và cơ quan điều tra đối chiếu danh sách vụ án tạm đình chỉ, phân công "
        "người theo dõi từng vụ và ghi nhận kết quả xác minh vào biên bản họp chung.</p>",
        "<p>Năm 2025 phục hồi điều tra 15 vụ, đình chỉ đúng quy định 23 vụ; số án tạm đình chỉ quá hai năm "
        "giảm 40%.</p>",
        "<p>Áp dụng được ở mọi đơn vị: chỉ cần quy chế phối hợp có điều khoản về rà soát định kỳ và một mẫu "
        "danh sách dùng chung.</p>",
        ["Kiểm sát điều tra", "Phối hợp liên ngành"],
    ),
    DemoPractice(
        "Sổ tay điện tử hướng dẫn kiểm sát viên mới vào nghề",
        "so-tay-dien-tu-huong-dan-kiem-sat-vien-moi",
        datetime.date(2026, 9, 9),
        "DN",
        STAFF,
        "Trần Thị Thu Hà, Trưởng phòng Tổ chức cán bộ",
        "Tập hợp mẫu văn bản, quy trình và kinh nghiệm thực tế thành một sổ tay tra cứu trên mạng nội bộ.",
        "<p>Kiểm sát viên mới được bổ nhiệm thường lúng túng với các mẫu văn bản và thời hạn tố tụng; việc "
        "kèm cặp phụ thuộc vào thời gian của người hướng dẫn.</p>",
        "<p>Các kiểm sát viên có kinh nghiệm viết hướng dẫn theo từng khâu công tác, kèm mẫu văn bản đã "
        "điền; lãnh đạo đơn vị duyệt và cập nhật mỗi sáu tháng.</p>",
        "<p>12 kiểm sát viên mới sử dụng trong năm đầu; số văn bản bị trả lại để sửa giảm một nửa.</p>",
        "<p>Đơn vị khác có thể dùng lại cấu trúc sổ tay và bổ sung quy định đặc thù của địa phương.</p>",
        ["Đào tạo, bồi dưỡng cán bộ"],
    ),
    DemoPractice(
        "Phối hợp với cơ quan điều tra rút ngắn thời hạn giải quyết tin báo",
        "phoi-hop-rut-ngan-thoi-han-giai-quyet-tin-bao",
        datetime.date(2026, 7, 22),
        "HCM",
        PROSECUTION_INVESTIGATION,
        "Lê Quang Vinh, Phó Viện trưởng; Ngô Thị Lan Anh, Kiểm sát viên trung cấp",
        "Kiểm sát viên tham gia ngay từ khi tiếp nhận tin báo, thống nhất kế hoạch xác minh với điều tra viên, "
        "nên phần lớn tin báo được giải quyết trước hạn.",
        "<p>Nhiều tin báo, tố giác về tội phạm phải gia hạn giải quyết vì việc xác minh kéo dài, tài liệu thu "
        "thập chưa đủ căn cứ để khởi tố hoặc không khởi tố.</p>",
        "<ul><li>Phân công kiểm sát viên theo dõi tin báo ngay trong ngày cơ quan điều tra thụ lý.</li>"
        "<li>Kiểm sát viên và điều tra viên thống nhất kế hoạch xác minh bằng văn bản trong 3 ngày làm việc.</li>"
        "<li>Họp giao ban hằng tuần về các tin báo sắp hết hạn.</li></ul>",
        "<p>Năm 2025, 96% tin báo được giải quyết trong thời hạn luật định, thời gian trung bình giảm từ 18 "
        "xuống 11 ngày; số trường hợp gia hạn giảm 60%.</p>",
        "<p>Cần quy chế phối hợp liên ngành và sổ theo dõi chung; đơn vị có ít kiểm sát viên có thể áp dụng "
        "cho nhóm tin báo phức tạp trước.</p>",
        ["Kiểm sát điều tra", "Phối hợp liên ngành"],
    ),
    DemoPractice(
        "Kiểm sát trực tiếp nhà tạm giữ theo chuyên đề",
        "kiem-sat-truc-tiep-nha-tam-giu-theo-chuyen-de",
        datetime.date(2026, 10, 3),
        "HP",
        DETENTION,
        "Đỗ Văn Thành, Kiểm sát viên chính",
        "Mỗi đợt kiểm sát trực tiếp tập trung vào một chuyên đề (chế độ ăn, khám chữa bệnh, thời hạn tạm giữ) "
        "nên phát hiện vi phạm sâu hơn và kiến nghị sát hơn.",
        "<p>Các đợt kiểm sát trực tiếp dàn trải nhiều nội dung, biên bản chung chung, kiến nghị ít được cơ sở "
        "giam giữ tiếp thu.</p>",
        "<p>Đơn vị lập kế hoạch năm với bốn chuyên đề; mỗi đợt có bảng kiểm riêng, đối chiếu sổ sách với "
        "thực tế và gặp hỏi trực tiếp người bị tạm giữ.</p>",
        "<p>Năm 2025 ban hành 9 kiến nghị, 100% được tiếp thu; không còn trường hợp tạm giữ quá hạn.</p>",
        "<p>Bảng kiểm theo chuyên đề dùng lại được ở mọi nhà tạm giữ, trại tạm giam; nên thống nhất chuyên đề "
        "với cơ quan quản lý giam giữ từ đầu năm.</p>",
        ["Kiểm sát tạm giữ, tạm giam"],
    ),
]


@dataclass
class DemoSubmission:
    """A write-up of the demo submitter's unit left in one review state, with the reviewer's words."""

    practice: DemoPractice
    state: str  # "draft", "in_review", "changes_requested" or "rejected"
    reviewer_words: str = ""


def _submission(title: str, slug: str, field_of_work: str, summary: str, topics: list[str]) -> DemoPractice:
    return DemoPractice(
        title,
        slug,
        datetime.date(2026, 11, 2),
        "HN",
        field_of_work,
        "Lê Thị Mai, Kiểm sát viên",
        summary,
        "<p>Đơn vị gặp khó khăn trong việc theo dõi thời hạn và tra cứu hồ sơ khi số vụ việc tăng nhanh.</p>",
        "<p>Đơn vị xây dựng quy trình mới, phân công người phụ trách và hướng dẫn kiểm sát viên thực hiện.</p>",
        "<p>Sau sáu tháng áp dụng, thời gian xử lý công việc giảm rõ rệt (số liệu đang tổng hợp).</p>",
        "<p>Các đơn vị có điều kiện tương tự có thể áp dụng.</p>",
        topics,
    )


SUBMISSIONS = [
    DemoSubmission(
        _submission(
            "Phần mềm nhắc hạn tạm giữ, tạm giam cho kiểm sát viên",
            "phan-mem-nhac-han-tam-giu-tam-giam",
            IT,
            "Bảng tính dùng chung tự động nhắc kiểm sát viên trước khi hết thời hạn tạm giữ, tạm giam.",
            ["Chuyển đổi số", "Kiểm sát tạm giữ, tạm giam"],
        ),
        "draft",
    ),
    DemoSubmission(
        _submission(
            "Số hóa hồ sơ kiểm sát án hình sự",
            "so-hoa-ho-so-kiem-sat-an-hinh-su",
            IT,
            "Số hóa hồ sơ kiểm sát án hình sự từ khi thụ lý, lưu trên máy chủ nội bộ của đơn vị.",
            ["Chuyển đổi số"],
        ),
        "in_review",
    ),
    DemoSubmission(
        _submission(
            "Kiểm sát việc tiếp nhận tin báo tại Công an cấp xã bằng bảng theo dõi điện tử",
            "kiem-sat-tiep-nhan-tin-bao-tai-cong-an-cap-xa",
            PROSECUTION_INVESTIGATION,
            "Bảng theo dõi điện tử dùng chung giúp kiểm sát viên nắm mọi tin báo Công an cấp xã tiếp nhận.",
            ["Kiểm sát điều tra"],
        ),
        "changes_requested",
        "Đề nghị đơn vị bổ sung số liệu kết quả năm 2025 (số tin báo đã kiểm sát, số vi phạm phát hiện, số "
        "kiến nghị được tiếp thu) và nêu rõ điều kiện để đơn vị khác áp dụng.",
    ),
    DemoSubmission(
        _submission(
            "Tổ chức giải thể thao chào mừng ngày thành lập ngành",
            "giai-the-thao-chao-mung-ngay-thanh-lap-nganh",
            MANAGEMENT,
            "Giải bóng đá và cầu lông giao hữu giữa các đơn vị nhân dịp kỷ niệm ngày thành lập ngành.",
            [],
        ),
        "rejected",
        "Đây là hoạt động phong trào của đơn vị, không phải cách làm hay trong công tác nghiệp vụ kiểm sát. "
        "Đề nghị đơn vị gửi bài cho chuyên mục tin tức.",
    ),
]


# Short names the sample tree used to give departments: codes, not names. A demo seeded with them gets the
# sample's names instead; a unit an administrator renamed keeps its name.
FORMER_SHORT_NAMES = {
    "VKSNDTC-V1": "Vụ 1",
    "VKSNDTC-V2": "Vụ 2",
    "VKSNDTC-V7": "Vụ 7",
    "VKSNDTC-V9": "Vụ 9",
    "VKSNDTC-V11": "Vụ 11",
    "VKSNDTC-V14": "Vụ 14",
    "VKSNDTC-C2": "Cục 2",
}


def seed_units() -> None:
    wanted = _codes_in(UNITS_CSV)
    if set(Unit.objects.filter(code__in=wanted).values_list("code", flat=True)) != wanted:
        call_command("import_units", str(UNITS_CSV), stdout=StringIO())
    sample = _short_names_in(UNITS_CSV)
    for code, former in FORMER_SHORT_NAMES.items():
        for unit in Unit.objects.filter(code=code, short_name=former):
            unit.short_name = sample.get(code, "")
            unit.save(update_fields=["short_name"])  # a save, so search re-indexes the unit's pages


def _codes_in(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"].strip() for row in csv.DictReader(handle) if row.get("code", "").strip()}


def _short_names_in(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"].strip(): (row.get("short_name") or "").strip() for row in csv.DictReader(handle)}


def seed_users() -> list[User]:
    users = []
    viewer_group = Group.objects.get(name=roles.VIEWER)
    for spec in DEMO_USERS:
        unit = Unit.objects.get(code=spec.unit_code)
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@vks.local",
                "unit": unit,
                "position": spec.position,
                "is_superuser": spec.superuser,
                "is_staff": spec.superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=spec.role), viewer_group)
        users.append(user)
    return users


def _ensure_child(parent: Page, model: type[Page], spec: DemoPage, body_field: str) -> Page:
    existing = model.objects.child_of(parent).filter(slug=spec.slug).first()
    if existing is not None:
        return existing
    page = model(
        title=spec.title,
        slug=spec.slug,
        date=spec.date,
        unit=Unit.objects.filter(code=spec.unit_code).first(),
        summary=spec.summary,
        **{body_field: spec.body},
    )
    parent.add_child(instance=page)
    page.topics.add(*match_topics(spec.topics))  # each name whole, commas and all
    page.save_revision().publish()
    return page


def _new_practice(spec: DemoPractice, **extra: Any) -> GoodPracticePage:
    page = GoodPracticePage(
        title=spec.title,
        slug=spec.slug,
        date=spec.date,
        unit=Unit.objects.filter(code=spec.unit_code).first(),
        field_of_work=FieldOfWork.objects.filter(name=spec.field_of_work).first(),
        authors=spec.authors,
        summary=spec.summary,
        problem=spec.problem,
        actions=spec.actions,
        results=spec.results,
        how_to_apply=spec.how_to_apply,
        **extra,
    )
    page.topics.add(*match_topics(spec.topics))  # each name whole, commas and all
    return page


def _ensure_practice(parent: Page, spec: DemoPractice) -> GoodPracticePage:
    existing = GoodPracticePage.objects.child_of(parent).filter(slug=spec.slug).first()
    if existing is not None:
        return existing
    page = _new_practice(spec)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def seed_submissions(practice_index: Page) -> None:
    """The demo submitter's unit has a write-up in each review state, taken there through the real workflow.
    A write-up already there is left as it is, whatever its state now."""
    submitter = User.objects.get(username="submitter")
    reviewer = User.objects.get(username="reviewer")
    for submission in SUBMISSIONS:
        spec = submission.practice
        if GoodPracticePage.objects.child_of(practice_index).filter(slug=spec.slug).exists():
            continue
        page = _new_practice(spec, owner=submitter, live=False)
        page.unit = submitter.unit
        practice_index.add_child(instance=page)
        page.save_revision(user=submitter, log_action=True)
        if submission.state == "draft":
            continue
        submit_for_review(page, submitter)
        if submission.state == "in_review":
            continue
        task_state = page.current_workflow_state.current_task_state
        action = {"changes_requested": REQUEST_CHANGES, "rejected": CLOSE}[submission.state]
        task_state.task.specific.on_action(task_state, reviewer, action, comment=submission.reviewer_words)


def seed_pages() -> None:
    training_index = TrainingIndexPage.objects.first()
    practice_index = GoodPracticeIndexPage.objects.first()
    if training_index is None or practice_index is None:
        raise RuntimeError("The site structure is missing: run `manage.py migrate` first.")
    for spec in TRAININGS:
        _ensure_child(training_index, TrainingPage, spec, "description")
    for practice in PRACTICES:
        _ensure_practice(practice_index, practice)
    seed_submissions(practice_index)


def seed_demo(*, recordings: bool = True) -> None:
    # The demo's review steps notify its users in the portal; their e-mail addresses are made up.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        seed_units()
        seed_users()
        seed_pages()
    if recordings:  # outside the transaction: making and converting them takes a while
        seed_recordings()
