"""Home page: the course as a map. Must stay light: it never imports torch."""

import streamlit as st

from explorer import course, tours, ui

ui.page_setup(
    "Deep learning, hands on",
    "Each page turns one idea of deep learning into something you can move and watch. "
    "Change a control and the numbers, the picture and the explanation change with it. "
    "Every view has its own link: copy the address bar to share exactly what you see.",
)

path_col, workflow_col = st.columns([1, 1.25], gap="large")

with path_col:
    st.subheader("The learning path")
    for section, pages in course.sections():
        st.markdown(f"**{section}**")
        for page in pages:
            if page.exists():
                st.page_link(page.file, label=page.title, icon=page.icon)
                st.caption(page.question)

with workflow_col:
    st.subheader("The workflow of a deep learning project")
    st.caption("The steps in order, and the pages where you can try each one.")
    for number, step in enumerate(course.WORKFLOW, start=1):
        st.markdown(f"**{number}. {step.step}**: {step.detail}")
        links = [course.page_by_url(u) for u in step.shown_on]
        ready = [p for p in links if p.exists()]
        if ready:
            cols = st.columns(len(ready))
            for col, page in zip(cols, ready, strict=True):
                with col:
                    st.page_link(page.file, label=page.title, icon=page.icon)

st.subheader("Guided tours")
st.caption("A tour walks through the pages in order: each step sets the controls for you, "
           "says what to look at, and sometimes asks you to predict before it shows. "
           "Next and Back also work with Shift + → and Shift + ←.")
tour_cols = st.columns(2, gap="large")
for i, tour in enumerate(tours.TOURS):
    with tour_cols[i % 2]:
        first = course.page_by_url(tour.steps[0].page)
        ui.page_link(first.file, f"{tour.title} · {len(tour)} steps", ":material/tour:",
                     {tours.TOUR_PARAM: tour.name, tours.STEP_PARAM: "1"})
        st.caption(tour.summary)

st.subheader("Words you will meet")
glossary_cols = st.columns(2, gap="large")
for i, (term, meaning) in enumerate(course.GLOSSARY.items()):
    glossary_cols[i % 2].markdown(f"**{term}**: {meaning}")

with st.expander("Sources and credits", icon=":material/menu_book:"):
    st.markdown("**Ideas and examples the pages build on.** The sentences on the pages are "
                "this project's own.")
    for credit in course.IDEAS:
        st.markdown(f"- *{credit.what}*, {credit.by}: {credit.used_for}.")
    st.markdown("**Data.**")
    for credit in course.DATA:
        st.markdown(f"- {credit.what}, {credit.by}: {credit.used_for}. "
                    f"Licence: {credit.licence}.")

st.divider()
st.caption(
    "For instructors: switch on *Presentation mode* in the sidebar (or add `?present=true` "
    "to any link) for larger text and charts. Preset buttons on each page jump straight to "
    "a teaching moment, and `?preset=<name>` links to one."
)

ui.share_view()
