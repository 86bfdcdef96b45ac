"""The pages of the voc Streamlit app (``app.py`` runs them with ``st.navigation``)."""
