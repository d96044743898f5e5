# ruff: noqa: E501  (the CSV files are written as universities write them: a row a line)
"""A hand-built university with student unions: every SU rule has a compliant and a
non-compliant union (or person) in it. Figures are scaled down through the policy."""

from __future__ import annotations

from datetime import date

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.services import roster
from bot.services import unions as union_imports
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

TODAY = date(2026, 6, 1)
# The rulebook's figures divided down, so that four unions of a few people show them.
POLICY = Policy(
    su_school_staff=4,
    su_school_staff_large=6,
    su_school_presidium=2,
    su_departments=2,
    su_department_heads_min=1,
    su_department_heads_max=1,
    su_department_staff=1,
    su_college_staff_min=2,
    su_college_staff=3,
    su_college_presidium=1,
)
ROSTER = """student_id,name,college,class,status,disciplinary,rank_pct,political,major,grade,degree_level,major_rank_pct,rank_basis,failed_courses
S1,Ann,Engineering,CS-1,enrolled,no,10,party,CS,3,undergrad,10,year,0
S2,Ben,Engineering,CS-1,enrolled,no,80,league,CS,1,undergrad,80,year,0
S3,Cat,Engineering,CS-2,enrolled,no,20,none,CS,2,undergrad,10,year,0
S4,Dan,Arts,A-1,enrolled,no,50,league,Art,2,undergrad,45,year,0
S5,Eve,Engineering,G-1,enrolled,no,10,party,CS,1,master,,,0
S6,Fay,Engineering,G-1,enrolled,no,10,league,CS,2,phd,,,1
S7,Gus,Arts,A-1,enrolled,no,10,league,Art,3,undergrad,20,semester,0
S8,Hal,Arts,A-2,enrolled,no,10,league,,,,,,
S9,Ivy,Engineering,CS-2,enrolled,no,10,league,CS,2,undergrad,10,year,0
S10,Jay,Engineering,CS-2,enrolled,no,10,league,CS,2,undergrad,10,year,0
S11,Kim,Engineering,CS-2,enrolled,no,10,league,CS,2,undergrad,10,year,0
S12,Lee,Engineering,CS-2,enrolled,no,10,party,CS,2,undergrad,10,year,0
S13,May,Engineering,CS-2,enrolled,no,10,league,CS,2,undergrad,10,year,0
S14,Ned,Arts,A-1,enrolled,no,10,party,Art,2,undergrad,10,year,0
S15,Ora,Arts,A-1,enrolled,no,10,league,Art,2,undergrad,10,year,0
S16,Pat,Arts,A-2,enrolled,no,10,league,Art,2,undergrad,10,year,0
S17,Quinn,Arts,A-2,enrolled,no,10,league,Art,1,undergrad,10,year,0
S18,Ray,Arts,A-2,enrolled,no,10,league,Art,3,undergrad,50,year,0
S19,Sue,Engineering,CS-1,enrolled,no,10,league,CS,2,undergrad,50,year,0
S20,Tom,Engineering,CS-1,enrolled,no,10,none,CS,1,undergrad,50,year,0
"""
CLUBS = "name,category,guidance_unit,founded\nChess Club,academic,CS Dept,2020-09-01\n"
UNIONS = """name,kind,level,college,population,large_or_multi_campus,admin_functions,league_guide,secretary_general
School SU,student,school,,1000,no,,Li Wei,Zhang Min
Graduate SU,graduate,school,,300,no,dormitory checks,Li Wei,
Engineering SU,student,college,Engineering,500,no,,,
Arts SU,student,college,Arts,200,no,,,
"""
CONGRESS = """union,kind,held_on,representatives,present,seats,candidates
School SU,congress,2025-07-05,12,12,5,6
School SU,congress,2026-03-01,12,10,5,6
Graduate SU,congress,2025-01-10,2,1,3,3
Engineering SU,congress,2026-04-01,5,4,3,4
Arts SU,assembly,2026-04-02,200,150,2,3
"""
TRAIL = "Youth League,2025-06-01,2025-06-10,2025-06-20,Party committee,2025-07-01"
POSTS = f"""union,student_id,position,department,term_start,department_kind,term_end,from_college_union,recommended_by,recommended_on,party_consent_on,joint_review_on,decided_by,decided_on,congress
School SU,S1,president,,2025-09-01,,,yes,{TRAIL},2025-07-05
School SU,S2,vice_president,,2026-03-01,,,yes,Youth League,2026-01-05,2026-01-10,2026-01-20,Party committee,2026-02-01,2026-03-01
School SU,S3,head,Study,2025-09-01,,,yes,,,,,,,
School SU,S4,staff,Study,2025-09-01,,,no,,,,,,,
Graduate SU,S5,president,,2025-09-01,,,yes,{TRAIL},2025-01-10
Graduate SU,S6,vice_president,,2025-09-01,,,no,,,,,,,
Graduate SU,S7,rotating_exec_president,,2025-09-01,,,no,,,,,,,
Graduate SU,S8,head,Sports,2025-09-01,,,no,,,,,,,
Graduate SU,S9,staff,Sports,2025-09-01,,,no,,,,,,,
Graduate SU,S10,staff,Sports,2025-09-01,,,no,,,,,,,
Graduate SU,S11,director,Volunteer Centre,2025-09-01,centre,,no,,,,,,,
Engineering SU,S12,president,,2025-09-01,,,no,,,,,,,2026-04-01
Engineering SU,S13,staff,Office,2025-09-01,,,no,,,,,,,
Arts SU,S14,president,,2025-09-01,,,no,,,,,,,2026-04-02
Arts SU,S15,vice_president,,2025-09-01,,,no,,,,,,,
Arts SU,S16,staff,Office,2025-09-01,,,no,,,,,,,
Arts SU,S17,staff,Office,2025-09-01,,,no,,,,,,,
"""
REPRESENTATIVES = """union,congress,student_id,club,union_officer
School SU,2026-03-01,S1,Chess Club,yes
School SU,2026-03-01,S18,,no
School SU,2026-03-01,S19,,no
School SU,2026-03-01,S20,,no
Graduate SU,2025-01-10,S5,,yes
Graduate SU,2025-01-10,S6,,yes
Engineering SU,2026-04-01,S19,Chess Club,no
Engineering SU,2026-04-01,S20,,no
Engineering SU,2026-04-01,S1,,yes
"""
APPRAISALS = """union,student_id,appraised_on,result,used_for_awards
School SU,S1,2026-01-15,excellent,yes
Graduate SU,S5,2026-01-10,good,no
Engineering SU,S12,2026-02-01,good,yes
Arts SU,S14,2026-02-01,pass,yes
Arts SU,S15,2026-02-01,pass,yes
"""
TRAININGS = """union,season,held_on,attendees
School SU,spring,2026-03-10,4
School SU,autumn,2025-10-10,4
Graduate SU,autumn,2025-10-10,3
Engineering SU,spring,2026-03-10,2
Engineering SU,autumn,2025-10-01,2
"""
EVENTS = """union,kind,held_on,note
School SU,party_hearing,2026-04-01,spring semester report
Graduate SU,party_hearing,2025-06-01,
School SU,major_matter_report,2026-02-01,
,self_evaluation,2025-12-01,published on the website
"""


async def load(db: Database) -> None:
    """Import the whole university, file by file, as `clubbot import` would."""
    steps = [
        lambda tx: roster.import_students(tx, utcnow(), ROSTER.encode()),
        lambda tx: roster.import_clubs(
            tx, utcnow(), CLUBS.encode(), policy=POLICY, cal=Calendar.named()
        ),
        lambda tx: union_imports.import_unions(tx, utcnow(), UNIONS.encode()),
        lambda tx: union_imports.import_congresses(tx, utcnow(), CONGRESS.encode(), TODAY),
        lambda tx: union_imports.import_posts(tx, utcnow(), POSTS.encode()),
        lambda tx: union_imports.import_representatives(tx, utcnow(), REPRESENTATIVES.encode()),
        lambda tx: union_imports.import_appraisals(tx, utcnow(), APPRAISALS.encode(), TODAY),
        lambda tx: union_imports.import_trainings(tx, utcnow(), TRAININGS.encode(), TODAY),
        lambda tx: union_imports.import_events(tx, utcnow(), EVENTS.encode(), TODAY),
    ]
    for step in steps:
        async with db.transaction() as session:
            await step(Tx(session, db))
