"""Demo data for a first start, in Bahasa Indonesia: an admin (the one English-speaking
account), two Indonesian-speaking facilitators, four groups in WIB and WITA, forty members
(with phone numbers, so the follow-up list can offer a WhatsApp message), and each group's
weekly sessions with their past roll calls."""

from __future__ import annotations

import secrets
from datetime import timedelta

from backend.accounts import service as accounts
from backend.accounts.passwords import hash_password
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User
from backend.attendance.demo import add_demo_rolls
from backend.db import database
from backend.domain.vocabulary import Language, PurposeCode, Role
from backend.groups import service as groups
from backend.groups.schemas import GroupCreate, MemberCreate, NewPersonEnrolment
from backend.lib.moments import today_in
from backend.scheduling.demo import add_demo_sessions

FIRST_NAMES = (
    "Ayu",
    "Bima",
    "Citra",
    "Dewi",
    "Eko",
    "Fajar",
    "Gita",
    "Hadi",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Oka",
    "Putri",
    "Rahmat",
    "Sari",
    "Tono",
    "Umi",
    "Vina",
    "Wayan",
    "Yanti",
    "Zainal",
    "Agus",
    "Bunga",
    "Dimas",
    "Endah",
    "Galih",
    "Hana",
    "Iwan",
    "Juwita",
    "Kurnia",
    "Lina",
    "Mega",
    "Nanda",
    "Pandu",
    "Ratna",
    "Surya",
    "Tari",
)
LAST_NAMES = ("Pratama", "Wijaya", "Santoso", "Lestari", "Hidayat", "Saputra", "Nugroho", "Sari")

GROUPS = (
    (
        "Lingkar orang tua tunggal",
        "support",
        [PurposeCode.MUTUAL_AID, PurposeCode.REDUCE_ISOLATION],
        12,
        "Asia/Jakarta",
        "intervention",
        "Balai warga RW 03, ruang 2",
        "Kelompok dukungan bagi ibu dan ayah tunggal di Kelurahan Sukamaju.",
    ),
    (
        "Lab keterampilan remaja",
        "education",
        [PurposeCode.SKILLS_AND_DIFFERENCES, PurposeCode.MUTUAL_AID],
        10,
        "Asia/Jakarta",
        "planning",
        "Sekretariat karang taruna",
        "Remaja berlatih keterampilan kerja dan berbicara di depan umum.",
    ),
    (
        "Forum suara perempuan",
        "task",
        [
            PurposeCode.SOCIAL_CHANGE,
            PurposeCode.MOVEMENT_ARENA,
            PurposeCode.IDENTITY_AND_MOVEMENT,
        ],
        15,
        "Asia/Makassar",
        "engagement",
        "Kantor Desa Tanjung, Lombok Utara",
        "Perempuan desa menyiapkan usulan untuk musyawarah desa.",
    ),
    (
        "Sore bersama lansia",
        "socialization",
        [PurposeCode.REDUCE_ISOLATION, PurposeCode.MUTUAL_AID],
        8,
        "Asia/Jakarta",
        "monitoring",
        "Serambi Masjid Al-Ikhlas",
        "Lansia yang tinggal sendiri bertemu, bercerita dan berolahraga ringan.",
    ),
)


async def load_demo(force: bool = False) -> str | None:
    """Load the demo once; returns the text to show the person who started Lingkar."""
    if not force and await User.count() > 0:
        return None
    admin_password = secrets.token_urlsafe(12)
    facilitator_password = "facilitate-" + secrets.token_hex(3)
    member_password = "member-" + secrets.token_hex(3)
    suffix = "" if not force else "-" + secrets.token_hex(2)
    # A second demo (--force) gets phone numbers of its own: a person is on record once.
    exchange = "0000" if not force else f"{secrets.randbelow(9000) + 1000}"
    async with database().write() as db:
        admin = await accounts.add_user(
            db,
            email=f"admin{suffix}@lingkar.example",
            display_name="Admin",
            role=Role.ADMIN,
            password_hash=hash_password(admin_password),
            language=Language.EN,
        )
        facilitator_hash = hash_password(facilitator_password)
        facilitators = [
            await accounts.add_user(
                db,
                email=f"{name.lower()}{suffix}@lingkar.example",
                display_name=f"{name} (pendamping)",
                role=Role.FACILITATOR,
                password_hash=facilitator_hash,
                language=Language.ID,
            )
            for name in ("Rina", "Budi")
        ]
    created = []
    for number, (name, kind, purposes, capacity, timezone, phase, location, about) in enumerate(
        GROUPS
    ):
        owner = facilitators[number % 2]
        actor = CurrentUser(
            id=owner.id,
            email=owner.email,
            display_name=owner.display_name,
            role=Role.FACILITATOR,
        )
        group = await groups.create_group(
            actor,
            GroupCreate(
                name=name,
                kind=kind,
                purposes=purposes,
                capacity=capacity,
                timezone=timezone,
                phase=phase,
                location=location,
                description=about,
            ),
        )
        created.append((group, actor))
        # Ten members each, added by the group's facilitator; the elders' group is full and
        # keeps two on its waiting list.
        for index in range(number * 10, number * 10 + 10):
            first = FIRST_NAMES[index]
            login = index < 2
            await groups.enrol_new_person(
                actor,
                group.id,
                NewPersonEnrolment(
                    person=MemberCreate(
                        display_name=f"{first} {LAST_NAMES[index % len(LAST_NAMES)]}",
                        email=f"{first.lower()}{suffix}@member.example" if login else None,
                        phone=f"0812-{exchange}-{index + 100:04d}",
                        password=member_password if login else None,
                        language=Language.ID,
                    ),
                    consent_given=True,
                    joined_on=today_in(timezone) - timedelta(days=120),
                ),
            )
    await add_demo_sessions(created)
    # Roll calls come last: they are taken on the sessions added just above.
    await add_demo_rolls(created)
    lines = [
        "Demo data loaded (in Bahasa Indonesia). Keep these; they are shown only once:",
        f"  admin         {admin.email} / {admin_password}   (reads Lingkar in English)",
        *[f"  facilitator   {f.email} / {facilitator_password}" for f in facilitators],
        f"  member        {FIRST_NAMES[0].lower()}{suffix}@member.example / {member_password}",
        f"  member        {FIRST_NAMES[1].lower()}{suffix}@member.example / {member_password}",
    ]
    return "\n".join(lines)
